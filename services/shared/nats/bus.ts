import { randomUUID } from 'node:crypto';
import {
  AckPolicy,
  connect,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  JSONCodec,
  type NatsConnection,
  type Subscription,
} from 'nats';
import { HangarError } from '../errors.js';
import type { Logger } from '../log.js';
import { atEndOfTurn, sendDue } from './end-of-turn.js';
import { type JobDelivery, type JobMessage, JobPuller } from './job-puller.js';
import { JsPublisher } from './js-publisher.js';
import { type Labels, labelToken } from './label-routes.js';
import { ANNOUNCE_SUBJECT, PRESENCE_SUBJECT, type RunnerPresence, startBeacon } from './presence.js';
import { EVENTS_STREAM, ensureStreams, JOBS_STREAM } from './streams.js';

export type { JobDelivery, JobMessage } from './job-puller.js';
export type { RunnerPresence } from './presence.js';
export { EVENTS_STREAM, JOBS_STREAM } from './streams.js';

/**
 * The one owner of the NATS connection (with the files beside it: the
 * streams, the job puller, runner presence). Everything that crosses NATS
 * goes through here:
 * - the job work queue (JetStream, work-queue retention, one subject per pool
 *   and per label set: see label-routes.ts),
 * - build events (JetStream, limits retention, consumed by the bot with a durable consumer),
 * - cancel signals, live log fan-out and runner presence (core NATS, fire and forget).
 */

const JOBS_PREFIX = 'hangar.jobs';
const EVENTS_PREFIX = 'hangar.events';
const CANCEL_SUBJECT = 'hangar.cancel';
const LOGS_PREFIX = 'hangar.logs';

const jc = JSONCodec();

export interface EventDelivery<T> {
  event: T;
  seq: number;
  ack(): void;
  nak(delayMs?: number): void;
}

export interface BusOptions {
  url: string;
  name: string;
  log: Logger;
  /** How long a delivered job may stay unacknowledged before NATS offers it again. */
  jobAckWaitMs?: number;
}

export class BusError extends HangarError {
  override readonly name = 'BusError';
}

/** Subject-safe pool name: platform plus an optional label key, e.g. 'linux-amd64'. */
export function poolFor(platform: { os: string; arch: string }): string {
  return `${platform.os}-${platform.arch}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

export class Bus {
  /** This process, in runner presence messages. */
  private readonly instance = randomUUID();
  /** Made on the first JetStream publish: runners never publish, and need no inbox for it. */
  private publisher: JsPublisher | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly opts: BusOptions,
  ) {}

  private jsPublish(subject: string, data: Uint8Array, msgId: string): Promise<void> {
    this.publisher ??= new JsPublisher(this.nc, 5000);
    return this.publisher.publish(subject, data, msgId);
  }

  static async connect(opts: BusOptions): Promise<Bus> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: opts.url,
        name: opts.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: 5000,
        // No stack captured at every request (each JetStream publish and pull
        // is one): three Error objects per message otherwise; a failed
        // request still says what failed.
        noAsyncTraces: true,
      });
    } catch (err) {
      throw new BusError(
        `cannot reach NATS at ${opts.url}: ${(err as Error).message}; start nats-server with -js or set HANGAR_NATS_URL`,
        { cause: err, retryable: true },
      );
    }
    const jsm = await nc.jetstreamManager({ timeout: 5000 }).catch((err: Error) => {
      void nc.close();
      throw new BusError(
        `NATS at ${opts.url} has no JetStream: start nats-server with -js (${err.message})`,
        {
          cause: err,
        },
      );
    });
    const bus = new Bus(nc, nc.jetstream({ timeout: 5000 }), jsm, opts);
    await ensureStreams(jsm, { jobs: `${JOBS_PREFIX}.>`, events: `${EVENTS_PREFIX}.>` });
    void bus.watchStatus();
    return bus;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') {
        this.opts.log.info({ nats: s.type, server: s.data }, 'nats connection changed');
      }
    }
  }

  /**
   * Publishes one job, on its label set's subject (its pool's subject when it
   * asks for no labels, or with `shared`: for runners with more labels than
   * are routed, which read only the pool's subject). The message id makes a
   * repeated publish of the same attempt a no-op. `msgId` replaces it, for a
   * deliberate second copy (a republish after the first was lost while its
   * id is still remembered).
   */
  async publishJob(
    pool: string,
    job: JobMessage,
    opts: { msgId?: string; shared?: boolean } = {},
  ): Promise<void> {
    const token = opts.shared ? undefined : labelToken(job.labels);
    const subject = token === undefined ? `${JOBS_PREFIX}.${pool}` : `${JOBS_PREFIX}.${pool}.${token}`;
    await this.jsPublish(subject, jc.encode(job), opts.msgId ?? `${job.jobId}:${job.attempt}`);
  }

  /**
   * Pulls jobs of one pool that a runner with `labels` can run (see
   * job-puller.ts). Each job goes to one puller. `take(n)` returns at most n
   * deliveries, waiting up to `waitMs` for the first. Until close(), the
   * puller says on NATS that a runner (this connection's name) is there.
   */
  async jobPuller(
    pool: string,
    opts: { labels?: Labels } = {},
  ): Promise<{
    take: (n: number, waitMs: number) => Promise<JobDelivery[]>;
    routed: boolean;
    close(): void;
  }> {
    const labels = opts.labels ?? {};
    const puller = await JobPuller.open(
      {
        nc: this.nc,
        jsm: this.jsm,
        stream: JOBS_STREAM,
        prefix: JOBS_PREFIX,
        ackWaitMs: this.opts.jobAckWaitMs ?? 30_000,
      },
      pool,
      labels,
    );
    const beacon = startBeacon(this.nc, {
      instance: this.instance,
      name: this.opts.name,
      pool,
      labels: { ...labels },
      routed: puller.routed,
    });
    return {
      take: (n, waitMs) => puller.take(n, waitMs),
      routed: puller.routed,
      close: () => {
        beacon.stop();
        puller.close();
      },
    };
  }

  /** Runners saying they pull jobs (or that they stopped). */
  onRunnerPresence(handler: (p: RunnerPresence) => void): Subscription {
    return this.subscribe(PRESENCE_SUBJECT, handler);
  }

  /** Asks every pulling runner to say it is there now. */
  askRunnersPresence(): void {
    this.nc.publish(ANNOUNCE_SUBJECT);
  }

  /**
   * Messages waiting in a pool, with and without labels (not yet delivered,
   * or delivered and unacknowledged).
   */
  async queueDepth(pool?: string): Promise<number> {
    if (pool === undefined) {
      const info = await this.jsm.streams.info(JOBS_STREAM);
      return info.state.messages;
    }
    const bare = `${JOBS_PREFIX}.${pool}`;
    const [plain, labelled] = await Promise.all([
      this.jsm.streams.info(JOBS_STREAM, { subjects_filter: bare }),
      this.jsm.streams.info(JOBS_STREAM, { subjects_filter: `${bare}.*` }),
    ]);
    const inLabelled = Object.values(labelled.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    return (plain.state.subjects?.[bare] ?? 0) + inLabelled;
  }

  /** Publishes a state change; `id` deduplicates a retried publish. */
  async publishEvent(kind: string, event: unknown, id: string): Promise<void> {
    await this.jsPublish(`${EVENTS_PREFIX}.${kind}`, jc.encode(event), id);
  }

  /**
   * Consumes build events with a durable consumer: after a restart the consumer
   * resumes where it left off, so no event is lost. Bounded: at most `maxPending`
   * unacknowledged events are in flight. Delivery is at least once: an event
   * taken but not acknowledged before a crash comes again after `ackWaitMs`,
   * possibly after newer ones, so events carry versions and consumers keep the newest.
   */
  async *events<T>(
    durable: string,
    opts: { maxPending?: number; ackWaitMs?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<EventDelivery<T>> {
    try {
      await this.jsm.consumers.info(EVENTS_STREAM, durable);
    } catch {
      await this.jsm.consumers.add(EVENTS_STREAM, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: (opts.ackWaitMs ?? 10_000) * 1_000_000,
        max_ack_pending: opts.maxPending ?? 256,
      });
    }
    const consumer = await this.js.consumers.get(EVENTS_STREAM, durable);
    const messages = await consumer.consume({ max_messages: opts.maxPending ?? 256 });
    opts.signal?.addEventListener('abort', () => void messages.close(), { once: true });
    for await (const m of messages) {
      yield {
        event: jc.decode(m.data) as T,
        seq: m.seq,
        ack: () => m.ack(),
        nak: (d) => m.nak(d),
      };
    }
  }

  /** Core NATS: tell whichever runner holds the job to stop it now. */
  publishCancel(jobId: string): void {
    this.nc.publish(CANCEL_SUBJECT, jc.encode({ jobId }));
  }

  onCancel(handler: (jobId: string) => void): Subscription {
    return this.subscribe(CANCEL_SUBJECT, (m: { jobId: string }) => handler(m.jobId));
  }

  /** Core NATS: live log lines of one step, for whoever is watching. */
  publishLogs(stepId: string, lines: unknown): void {
    const data = jc.encode(lines);
    atEndOfTurn(() => {
      if (!this.nc.isClosed()) this.nc.publish(`${LOGS_PREFIX}.${stepId}`, data);
    });
  }

  onLogs(stepId: string, handler: (lines: unknown) => void): Subscription {
    return this.subscribe(`${LOGS_PREFIX}.${stepId}`, handler);
  }

  private subscribe<T>(subject: string, handler: (m: T) => void): Subscription {
    const sub = this.nc.subscribe(subject);
    void (async () => {
      for await (const m of sub) {
        try {
          handler(jc.decode(m.data) as T);
        } catch (err) {
          this.opts.log.warn({ err, subject }, 'nats handler failed');
        }
      }
    })();
    return sub;
  }

  isConnected(): boolean {
    return !this.nc.isClosed();
  }

  /** Sends the messages waiting for the end of the turn, then waits until the server has everything sent so far. */
  async flush(): Promise<void> {
    sendDue();
    await this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    sendDue();
    await this.nc.drain().catch(() => this.nc.close());
    this.publisher?.close();
  }
}
