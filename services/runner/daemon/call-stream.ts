/**
 * The runner's side of RunnerService.Calls: Accept, ExtendLease, UpdateStep
 * and Complete as messages on one stream, opened on the first call and again
 * on the first call after it ended. A call settles as the unary call would:
 * with the answer, or with an error carrying the gRPC code and the
 * coordinator's sentence. When the stream ends (the coordinator went away or
 * is shutting down) every call in flight on it fails with the stream's status,
 * which callers retry as they retry a failed unary call. A call not answered
 * by its deadline fails with DEADLINE_EXCEEDED; if nothing at all came back
 * on the stream since that call was sent, the stream is taken for dead and
 * cancelled, so the next call opens a new one.
 */
import { type ClientDuplexStream, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { RunnerCall } from '../../../proto/generated/hangar/v1/RunnerCall.js';
import type { RunnerReply__Output } from '../../../proto/generated/hangar/v1/RunnerReply.js';

export type CallName = 'accept' | 'extendLease' | 'updateStep' | 'complete';
export type CallRequest<K extends CallName> = NonNullable<RunnerCall[K]>;
export type CallAnswer<K extends CallName> = NonNullable<RunnerReply__Output[K]>;
type Stream = ClientDuplexStream<RunnerCall, RunnerReply__Output>;

/** An error shaped as @grpc/grpc-js shapes a failed call's. */
export function callError(code: number, details: string): ServiceError {
  const err = new Error(`${code} ${status[code] ?? 'UNKNOWN'}: ${details}`) as ServiceError;
  err.code = code;
  err.details = details;
  err.metadata = new Metadata();
  return err;
}

interface Pending {
  stream: Stream;
  name: CallName;
  sentAt: number;
  timer: NodeJS.Timeout;
  resolve(answer: unknown): void;
  reject(err: unknown): void;
}

export class CallStream {
  private stream: Stream | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly lastHeard = new WeakMap<Stream, number>();
  private nextId = 1;
  /** The coordinator has no Calls method (an older version): use unary calls. */
  unsupported = false;

  /** `open` starts a Calls stream with the runner's current credentials. */
  constructor(private readonly open: () => Stream) {}

  call<K extends CallName>(name: K, req: CallRequest<K>, deadlineMs: number): Promise<CallAnswer<K>> {
    const stream = this.current();
    const id = this.nextId++;
    return new Promise<CallAnswer<K>>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(id, deadlineMs), deadlineMs);
      this.pending.set(id, {
        stream,
        name,
        sentAt: performance.now(),
        timer,
        resolve: resolve as (a: unknown) => void,
        reject,
      });
      stream.write({ id, [name]: req } as RunnerCall);
    });
  }

  /** Ends the current stream after the calls in flight on it are answered; the next call opens a new one. */
  restart(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.end();
  }

  /** Cancels the stream; calls in flight fail with CANCELLED. */
  close(): void {
    const s = this.stream;
    this.stream = undefined;
    s?.cancel();
  }

  private current(): Stream {
    if (this.stream !== undefined) return this.stream;
    const s = this.open();
    this.stream = s;
    this.lastHeard.set(s, 0);
    s.on('data', (reply: RunnerReply__Output) => {
      this.lastHeard.set(s, performance.now());
      this.settle(reply);
    });
    s.on('error', (err: ServiceError) => {
      if (err.code === status.UNIMPLEMENTED) this.unsupported = true;
      this.fail(s, err);
    });
    s.on('end', () => this.fail(s, callError(status.UNAVAILABLE, 'the coordinator ended the call stream')));
    return s;
  }

  private settle(reply: RunnerReply__Output): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return; // given up at its deadline
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.reply === 'error') {
      p.reject(callError(reply.error?.code ?? status.UNKNOWN, reply.error?.message ?? ''));
    } else if (reply.reply === p.name) {
      p.resolve(reply[p.name]);
    } else {
      p.reject(callError(status.INTERNAL, `the coordinator answered ${p.name} with ${String(reply.reply)}`));
    }
  }

  /** Fails every call in flight on `s`; the next call opens a new stream. */
  private fail(s: Stream, err: ServiceError): void {
    if (this.stream === s) this.stream = undefined;
    for (const [id, p] of this.pending) {
      if (p.stream !== s) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private expire(id: number, deadlineMs: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(callError(status.DEADLINE_EXCEEDED, `no answer within ${deadlineMs} ms`));
    // Nothing came back since this call went out: the stream is stuck (a half-open connection).
    if ((this.lastHeard.get(p.stream) ?? 0) < p.sentAt) {
      if (this.stream === p.stream) this.stream = undefined;
      p.stream.cancel();
    }
  }
}
