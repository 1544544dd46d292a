/**
 * A runner without Docker for coordinator tests: a plain gRPC client of
 * RunnerService plus the NATS work queue, doing what the test tells it. Its
 * per-job calls go over the Calls stream, as the runner daemon's do, or as
 * unary calls (`via: 'unary'`, as a runner talking to an older coordinator).
 */
import { credentials, type Metadata } from '@grpc/grpc-js';
import type { AcceptResponse__Output } from '../../proto/generated/hangar/v1/AcceptResponse.js';
import type { LogAck__Output } from '../../proto/generated/hangar/v1/LogAck.js';
import type { Status } from '../../proto/generated/hangar/v1/Status.js';
import { type RunnerClient, RunnerServiceClient } from '../../proto/load.js';
import {
  type CallAnswer,
  type CallName,
  type CallRequest,
  CallStream,
} from '../../services/runner/daemon/call-stream.js';
import { authMetadata } from '../../services/shared/grpc/auth.js';
import { unary } from '../../services/shared/grpc/call.js';
import { withDeadline } from '../../services/shared/grpc/deadline.js';
import { silentLogger } from '../../services/shared/log.js';
import { Bus, type JobDelivery } from '../../services/shared/nats/bus.js';
import type { Cluster } from './harness.js';

export const POOL = 'linux-amd64';

/** How a simulated runner sends its per-job calls. */
export type CallsVia = 'stream' | 'unary';

/** A runner without Docker: takes jobs from NATS and reports over gRPC, as told by the test. */
export class SimRunner {
  id = 0;
  leaseTimeoutMs = 0;
  private puller!: Awaited<ReturnType<Bus['jobPuller']>>;
  private readonly calls: CallStream;

  private constructor(
    readonly client: RunnerClient,
    readonly bus: Bus,
    readonly name: string,
    private readonly secret: string,
    readonly via: CallsVia,
  ) {
    this.calls = new CallStream(() => this.client.calls(this.md()));
  }

  /** With `labels`, it reads the work queue as a runner with those labels does. */
  static async start(
    cluster: Cluster,
    name: string,
    secret: string,
    labels: Record<string, string> = {},
    via: CallsVia = 'stream',
  ): Promise<SimRunner> {
    const client = new RunnerServiceClient(cluster.grpcAddress, credentials.createInsecure());
    const bus = await Bus.connect({ url: cluster.nats.url, name, log: silentLogger, jobAckWaitMs: 5000 });
    const r = new SimRunner(client, bus, name, secret, via);
    r.puller = await bus.jobPuller(POOL, { labels });
    return r;
  }

  md(): Metadata {
    return authMetadata(this.secret, this.id === 0 ? undefined : this.id);
  }

  async register(): Promise<void> {
    const res = await unary<{ runnerId: number; leaseTimeoutMs: number }>((o, cb) =>
      this.client.register(
        { name: this.name, platform: 'linux/amd64', capacity: 2, version: 'test' },
        this.md(),
        o,
        cb,
      ),
    );
    if (this.id !== 0 && this.id !== res.runnerId) this.calls.restart();
    this.id = res.runnerId;
    this.leaseTimeoutMs = res.leaseTimeoutMs;
  }

  /** A per-job call, over the Calls stream or unary; errors as @grpc/grpc-js gives them. */
  private jobCall<K extends CallName>(name: K, req: CallRequest<K>): Promise<CallAnswer<K>> {
    if (this.via === 'stream') return this.calls.call(name, req, 10_000);
    // The generated client names its unary methods as the stream names its calls.
    const method = this.client[name].bind(this.client) as unknown as (
      r: CallRequest<K>,
      md: Metadata,
      o: object,
      cb: (err: Error | null, res?: CallAnswer<K>) => void,
    ) => void;
    return unary<CallAnswer<K>>((o, cb) => method(req, this.md(), o, cb as never));
  }

  take(n = 1, waitMs = 2000): Promise<JobDelivery[]> {
    return this.puller.take(n, waitMs);
  }

  /**
   * Waits for the next job message; with `only`, messages of other jobs
   * (left over from earlier tests) are acknowledged and passed over.
   */
  async next(timeoutMs = 15_000, only?: number): Promise<JobDelivery> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [d] = await this.take(1, 1000);
      if (d === undefined) continue;
      if (only !== undefined && Number(d.jobId) !== only) {
        d.ack();
        continue;
      }
      return d;
    }
    throw new Error(`runner ${this.name} got no job${only ? ` ${only}` : ''} within ${timeoutMs} ms`);
  }

  accept(jobId: number | string): Promise<AcceptResponse__Output> {
    return this.jobCall('accept', { jobId: Number(jobId), runnerId: this.id });
  }

  /** Takes the next job (or job `only`) and accepts it; acknowledges the message either way. */
  async acceptNext(timeoutMs?: number, only?: number): Promise<AcceptResponse__Output & { jobId: number }> {
    const d = await this.next(timeoutMs, only);
    try {
      const res = await this.accept(d.jobId);
      return { ...res, jobId: Number(d.jobId) };
    } finally {
      d.ack();
    }
  }

  extend(jobId: number, leaseToken: string): Promise<{ cancelled: boolean; leaseExpiresMs: number }> {
    return this.jobCall('extendLease', { jobId, leaseToken });
  }

  step(
    jobId: number,
    leaseToken: string,
    stepId: number,
    status: Status,
    extra: { exitCode?: number; error?: string } = {},
  ): Promise<unknown> {
    const now = Date.now();
    return this.jobCall('updateStep', {
      jobId,
      leaseToken,
      stepId,
      status,
      ...extra,
      startedMs: now,
      finishedMs: status === 'RUNNING' ? 0 : now,
    });
  }

  complete(jobId: number, leaseToken: string, status: Status, error = ''): Promise<unknown> {
    return this.jobCall('complete', { jobId, leaseToken, status, error });
  }

  /** Runs every step of an accepted job to `status` and completes it. */
  async runAll(job: AcceptResponse__Output & { jobId: number }, status: Status = 'SUCCESS'): Promise<void> {
    for (const s of job.steps) {
      await this.step(job.jobId, job.leaseToken, s.id, 'RUNNING');
      await this.step(job.jobId, job.leaseToken, s.id, status, { exitCode: status === 'SUCCESS' ? 0 : 1 });
    }
    await this.complete(job.jobId, job.leaseToken, status);
  }

  /** A SendLogs stream; `acks` collects what the coordinator acknowledged. */
  logs(timeoutMs = 20_000) {
    const call = this.client.sendLogs(this.md(), withDeadline(timeoutMs));
    const acks: LogAck__Output[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (a: LogAck__Output) => acks.push(a));
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    ended.catch(() => {});
    return {
      call,
      acks,
      ended,
      send: (jobId: number, leaseToken: string, stepId: number, seq: number, lines: string[]) =>
        call.write({ jobId, leaseToken, stepId, seq, lines: lines.map((text) => ({ text, timeMs: 0 })) }),
      ackedFor: (stepId: number) =>
        acks.filter((a) => a.stepId === stepId).reduce((m, a) => Math.max(m, a.ackedSeq), 0),
    };
  }

  /** Stops pulling, saying so on NATS (as a runner that stops does), and closes. */
  async leave(): Promise<void> {
    this.puller.close();
    await this.close();
  }

  /** Closes without a word: a killed runner process falls silent. */
  async close(): Promise<void> {
    this.calls.close();
    this.client.close();
    await this.bus.close();
  }
}

/** A one-pipeline 1.x file with the given step names. */
