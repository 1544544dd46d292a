/**
 * The runner's gRPC client of the coordinator: the one place in the runner
 * that speaks gRPC. Every unary call has a deadline; `retrying` repeats calls
 * that failed because the coordinator is away (with backoff) and gives up at
 * once on answers that will not change (lease lost, secret refused).
 */
import { type ClientDuplexStream, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { AcceptRequest } from '../../../proto/generated/hangar/v1/AcceptRequest.js';
import type { AcceptResponse__Output } from '../../../proto/generated/hangar/v1/AcceptResponse.js';
import type { CompleteRequest } from '../../../proto/generated/hangar/v1/CompleteRequest.js';
import type { ExtendLeaseRequest } from '../../../proto/generated/hangar/v1/ExtendLeaseRequest.js';
import type { ExtendLeaseResponse__Output } from '../../../proto/generated/hangar/v1/ExtendLeaseResponse.js';
import type { LogAck__Output } from '../../../proto/generated/hangar/v1/LogAck.js';
import type { LogBatch } from '../../../proto/generated/hangar/v1/LogBatch.js';
import type { RegisterRequest } from '../../../proto/generated/hangar/v1/RegisterRequest.js';
import type { RegisterResponse__Output } from '../../../proto/generated/hangar/v1/RegisterResponse.js';
import type { UpdateStepRequest } from '../../../proto/generated/hangar/v1/UpdateStepRequest.js';
import { RunnerServiceClient } from '../../../proto/load.js';
import { HangarError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { CoordinatorAddress } from '../config.js';
import { Backoff, sleep } from './backoff.js';
import { type CallAnswer, type CallName, type CallRequest, CallStream } from './call-stream.js';

export type LogStream = ClientDuplexStream<LogBatch, LogAck__Output>;

/** The coordinator says this runner no longer holds the job: stop it, report nothing more. */
export class LeaseLostError extends HangarError {
  override readonly name = 'LeaseLostError';
}

/** The coordinator refused this runner's credentials; retrying will not help. */
export class RunnerRefusedError extends HangarError {
  override readonly name = 'RunnerRefusedError';
}

/** The call was given up because the daemon or the job is stopping. */
export class CallAbortedError extends HangarError {
  override readonly name = 'CallAbortedError';
}

const DEFAULT_DEADLINE_MS = 10_000;
/** Codes that mean "the coordinator is away or busy", worth waiting out for as long as it takes. */
const AWAY = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.CANCELLED]);
/** Codes that may be a hiccup, tried a few times before giving up. */
const HICCUP = new Set<number>([status.RESOURCE_EXHAUSTED, status.ABORTED, status.INTERNAL, status.UNKNOWN]);
const HICCUP_TRIES = 5;

export function grpcCode(err: unknown): number | undefined {
  const code = (err as Partial<ServiceError> | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The coordinator's own sentence, without gRPC's "14 UNAVAILABLE: " prefix. */
export function grpcMessage(err: unknown): string {
  const e = err as Partial<ServiceError> | undefined;
  return e?.details || (err instanceof Error ? err.message : String(err));
}

export function isAway(err: unknown): boolean {
  const code = grpcCode(err);
  return code !== undefined && AWAY.has(code);
}

export function isNotFound(err: unknown): boolean {
  return grpcCode(err) === status.NOT_FOUND;
}

/** Turns a gRPC error into the runner's kinds: lease lost and refused become their classes. */
export function classify(err: unknown, server: string): unknown {
  const code = grpcCode(err);
  if (code === status.FAILED_PRECONDITION) return new LeaseLostError(grpcMessage(err), { cause: err });
  if (code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED) {
    const why = grpcMessage(err);
    const hint = why.includes('DRONE_SECRET')
      ? ''
      : "; set DRONE_SECRET to the coordinator's secret or to this runner's token";
    return new RunnerRefusedError(`the coordinator at ${server} refused this runner: ${why}${hint}`, {
      cause: err,
    });
  }
  return err;
}

export interface ConnectionOptions {
  server: CoordinatorAddress;
  secret?: string;
  log: Logger;
}

export interface RetryOptions {
  /** What is being done, for logs ('extend lease'). */
  what: string;
  signal?: AbortSignal;
  deadlineMs?: number;
}

export class CoordinatorConnection {
  private readonly client: InstanceType<typeof RunnerServiceClient>;
  private runnerId: number | undefined;
  /** Accept, ExtendLease, UpdateStep and Complete go over one stream (unary calls to an older coordinator). */
  private readonly calls: CallStream;
  readonly address: string;

  constructor(private readonly opts: ConnectionOptions) {
    this.address = opts.server.target;
    this.client = new RunnerServiceClient(
      opts.server.target,
      opts.server.tls ? credentials.createSsl() : credentials.createInsecure(),
      {
        'grpc.initial_reconnect_backoff_ms': 250,
        'grpc.max_reconnect_backoff_ms': 3_000,
      },
    );
    this.calls = new CallStream(() => this.client.Calls(this.metadata()));
  }

  /** Adds `x-hangar-runner-id` to every later call. */
  setRunnerId(id: number): void {
    if (this.runnerId !== undefined && this.runnerId !== id) this.calls.restart();
    this.runnerId = id;
  }

  private metadata(): Metadata {
    const md = new Metadata();
    if (this.opts.secret !== undefined) md.set('authorization', `Bearer ${this.opts.secret}`);
    if (this.runnerId !== undefined) md.set('x-hangar-runner-id', String(this.runnerId));
    return md;
  }

  register(req: RegisterRequest, deadlineMs?: number): Promise<RegisterResponse__Output> {
    return this.unary('register', req, deadlineMs);
  }

  accept(req: AcceptRequest, deadlineMs?: number): Promise<AcceptResponse__Output> {
    return this.jobCall('accept', req, deadlineMs);
  }

  extendLease(req: ExtendLeaseRequest, deadlineMs?: number): Promise<ExtendLeaseResponse__Output> {
    return this.jobCall('extendLease', req, deadlineMs);
  }

  updateStep(req: UpdateStepRequest, deadlineMs?: number): Promise<unknown> {
    return this.jobCall('updateStep', req, deadlineMs);
  }

  complete(req: CompleteRequest, deadlineMs?: number): Promise<unknown> {
    return this.jobCall('complete', req, deadlineMs);
  }

  /** A per-job call over the call stream, or unary when the coordinator has no such stream. */
  private async jobCall<K extends CallName>(
    name: K,
    req: CallRequest<K>,
    deadlineMs = DEFAULT_DEADLINE_MS,
  ): Promise<CallAnswer<K>> {
    if (!this.calls.unsupported) {
      try {
        return await this.calls.call(name, req, deadlineMs);
      } catch (err) {
        if (!(this.calls.unsupported && grpcCode(err) === status.UNIMPLEMENTED))
          throw classify(err, this.address);
        this.opts.log.info(
          { coordinator: this.address },
          'the coordinator has no call stream; using unary calls',
        );
      }
    }
    return this.unary(name, req, deadlineMs);
  }

  /** A SendLogs stream. It has no deadline: it lives as long as the job. */
  openLogStream(): LogStream {
    return this.client.SendLogs(this.metadata());
  }

  private unary<Req, Res>(
    // The generated client's own names: the stream's call names, and register.
    method: 'register' | CallName,
    req: Req,
    deadlineMs = DEFAULT_DEADLINE_MS,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      const fn = this.client[method].bind(this.client) as unknown as (
        r: Req,
        md: Metadata,
        o: { deadline: number },
        cb: (err: ServiceError | null, res?: Res) => void,
      ) => void;
      fn(req, this.metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) reject(classify(err, this.address));
        else resolve(res as Res);
      });
    });
  }

  /**
   * Runs `call` until it succeeds, waiting out an absent coordinator with
   * backoff. Lease loss, refusal and other final answers are thrown at once;
   * so is CallAbortedError when `signal` aborts.
   */
  async retrying<T>(call: () => Promise<T>, opts: RetryOptions): Promise<T> {
    const backoff = new Backoff();
    let hiccups = 0;
    for (;;) {
      if (opts.signal?.aborted) throw new CallAbortedError(`${opts.what}: given up, the runner is stopping`);
      try {
        const out = await call();
        if (backoff.attempts > 0) this.opts.log.info({ what: opts.what }, 'coordinator reachable again');
        return out;
      } catch (err) {
        const code = grpcCode(err);
        const away = isAway(err);
        const hiccup = code !== undefined && HICCUP.has(code) && ++hiccups < HICCUP_TRIES;
        if (!away && !hiccup) throw err;
        const delay = backoff.next();
        const fields = {
          what: opts.what,
          coordinator: this.address,
          retryInMs: delay,
          reason: grpcMessage(err),
        };
        if (backoff.attempts === 1 || backoff.attempts % 10 === 0)
          this.opts.log.warn(fields, 'coordinator call failed');
        else this.opts.log.debug(fields, 'coordinator call failed');
        await sleep(delay, opts.signal);
      }
    }
  }

  close(): void {
    this.calls.close();
    this.client.close();
  }
}
