/**
 * The coordinator (`hangar coordinator`, and part of `hangar server`): opens
 * the store, connects to NATS, serves RunnerService and BuildService over
 * gRPC and /metrics + /healthz over HTTP, and runs the scheduler. stop()
 * takes it down in the reverse order: no new dispatch, gRPC drained, the last
 * events published, NATS and the database closed.
 */

import {
  buildService as buildServiceDefinition,
  runnerService as runnerServiceDefinition,
} from '../../proto/load.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { Bus } from '../shared/nats/bus.js';
import type { CoordinatorConfig } from './config.js';
import type { CoordinatorContext } from './context.js';
import { EventPublisher } from './events.js';
import { Authenticator } from './grpc/auth.js';
import { buildService } from './grpc/build-service.js';
import { runnerService } from './grpc/runner-service.js';
import { type GrpcServer, StreamTracker, startGrpcServer } from './grpc/server.js';
import { coordinatorMetrics } from './metrics/coordinator-metrics.js';
import { type HealthReport, type MetricsServer, startMetricsServer } from './metrics/server.js';
import { Scheduler } from './scheduler/scheduler.js';
import { openStore, type Store } from './store/index.js';

export interface CoordinatorHandle {
  /** host:port the gRPC server actually bound. */
  grpcAddress: string;
  /** host:port of /metrics and /healthz. */
  metricsAddress: string;
  store: Store;
  stop(): Promise<void>;
}

/** How long stop() lets running gRPC calls finish before cutting them off. */
const GRPC_GRACE_MS = 5000;
/** How long stop() waits for the last events to reach NATS. */
const EVENTS_GRACE_MS = 3000;

/** The scheduler's tick: often enough to notice a lapsed lease within a quarter of the lease. */
export function tickFor(leaseTimeoutMs: number): number {
  return Math.min(2000, Math.max(100, Math.floor(leaseTimeoutMs / 4)));
}

async function health(store: Store, bus: Bus): Promise<HealthReport> {
  const problems: string[] = [];
  try {
    await Promise.race([
      store.jobs.countActive(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
    ]);
  } catch (err) {
    problems.push(`database (${store.engine}) does not answer: ${errorMessage(err)}`);
  }
  if (!bus.isConnected()) problems.push('NATS connection is closed');
  return { ok: problems.length === 0, problems };
}

export async function startCoordinator(cfg: CoordinatorConfig, log: Logger): Promise<CoordinatorHandle> {
  const store = await openStore({
    database: cfg.database,
    ...(cfg.secretKey === undefined ? {} : { secretKey: cfg.secretKey }),
    logLimit: cfg.logLimit,
    log,
  });
  const cleanup: (() => Promise<void>)[] = [() => store.close()];
  const unwind = async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  };
  try {
    const bus = await Bus.connect({ url: cfg.natsUrl, name: 'hangar-coordinator', log });
    cleanup.push(() => bus.close());
    if (cfg.droneSecret === undefined || cfg.droneSecret === '') {
      log.warn('DRONE_SECRET is not set: every runner and build-service call will be refused until it is');
    }
    const scheduler = new Scheduler(tickFor(cfg.leaseTimeoutMs));
    const events = new EventPublisher(bus, store, log.child({ component: 'events' }));
    let auth: Authenticator | undefined;
    const metrics = coordinatorMetrics({
      queueDepth: () => bus.queueDepth(),
      activeJobs: () => store.jobs.countActive(),
      connectedRunners: () => auth?.connected(Math.max(3 * cfg.leaseTimeoutMs, 60_000)) ?? 0,
      pendingEvents: () => events.pending,
    });
    auth = new Authenticator(cfg.droneSecret, store, log.child({ component: 'auth' }), metrics);
    const ctx: CoordinatorContext = {
      cfg,
      store,
      bus,
      log,
      events,
      metrics,
      dispatcher: scheduler,
      netrcs: new Map(),
    };
    const streams = new StreamTracker();
    const grpc: GrpcServer = await startGrpcServer(
      cfg.grpcAddr,
      [
        { definition: runnerServiceDefinition, handlers: runnerService(ctx, auth, streams) },
        { definition: buildServiceDefinition, handlers: buildService(ctx, auth, streams) },
      ],
      streams,
      log,
    );
    cleanup.push(() => grpc.stop(GRPC_GRACE_MS));
    const http: MetricsServer = await startMetricsServer(
      cfg.metricsAddr,
      metrics.registry,
      () => health(store, bus),
      log,
    );
    cleanup.push(() => http.close());
    scheduler.start(ctx);
    log.info(
      { grpc: grpc.address, metrics: http.address, database: store.engine, nats: cfg.natsUrl },
      'coordinator ready',
    );

    let stopping: Promise<void> | undefined;
    return {
      grpcAddress: grpc.address,
      metricsAddress: http.address,
      store,
      stop: () => {
        stopping ??= (async () => {
          log.info('coordinator stopping');
          await scheduler.stop();
          await grpc.stop(GRPC_GRACE_MS);
          await http.close();
          await events.close(EVENTS_GRACE_MS);
          await bus.close().catch((err: unknown) => log.warn({ err }, 'closing NATS failed'));
          await store.close();
          log.info('coordinator stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
