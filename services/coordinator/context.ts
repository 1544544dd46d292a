/**
 * What the parts of the coordinator share. Built once by coordinator.ts and
 * handed to every handler; tests build it the same way.
 */
import type { Logger } from '../shared/log.js';
import type { Bus } from '../shared/nats/bus.js';
import type { CoordinatorConfig } from './config.js';
import type { EventPublisher } from './events.js';
import type { CoordinatorMetrics } from './metrics/coordinator-metrics.js';
import type { Netrc, Store } from './store/index.js';

/** Starts dispatch passes; the scheduler implements it. */
export interface Dispatcher {
  /** Asks for a dispatch pass soon (passes are coalesced and run one at a time). */
  kick(): void;
  /**
   * Asks for a pass within a few milliseconds: for job and build endings,
   * which may free a dependent pipeline or a concurrency slot. A burst of
   * endings shares one pass instead of one each.
   */
  kickSoon(): void;
  /** When a job was published (ms, monotonic clock), for the dispatch latency. */
  publishedAt(jobId: number): number | undefined;
  forget(jobId: number): void;
}

export interface CoordinatorContext {
  cfg: Readonly<CoordinatorConfig>;
  store: Store;
  bus: Bus;
  log: Logger;
  events: EventPublisher;
  metrics: CoordinatorMetrics;
  dispatcher: Dispatcher;
  /**
   * Clone credentials of builds made while no secret key is configured: kept
   * in memory only (never written unencrypted), so lost on restart.
   */
  netrcs: Map<number, Netrc>;
}
