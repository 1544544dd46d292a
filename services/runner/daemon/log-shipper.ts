/**
 * Ships one job's log lines to the coordinator over a SendLogs stream.
 *
 * Lines are cut into batches per step (by count, size or age), each with the
 * step's next sequence number. A batch is kept until the coordinator
 * acknowledges it; when the stream breaks, a new one is opened (with backoff)
 * and every unacknowledged batch is sent again, in order, so the stored log
 * has no gap and (the coordinator ignoring a seq it has) no duplicate.
 *
 * Bounded: past `maxBufferBytes` of unacknowledged lines `full` is true and
 * the caller waits on `room()` before reading more from the executor, which
 * in turn stops reading from Docker.
 */
import type { LogAck__Output } from '../../../proto/generated/hangar/v1/LogAck.js';
import type { LogBatch } from '../../../proto/generated/hangar/v1/LogBatch.js';
import type { Logger } from '../../shared/log.js';
import { Backoff } from './backoff.js';
import {
  type CoordinatorConnection,
  classify,
  grpcMessage,
  LeaseLostError,
  type LogStream,
  RunnerRefusedError,
} from './connection.js';

export interface ShipperOptions {
  conn: CoordinatorConnection;
  jobId: number;
  leaseToken: string;
  log: Logger;
  /** Called once when the coordinator refuses the lease (or the runner) on the log stream. */
  onLost: (err: Error) => void;
  maxBatchLines?: number;
  maxBatchBytes?: number;
  /** A line waits at most this long before its batch is sent. */
  flushMs?: number;
  maxBufferBytes?: number;
  /** A stream with unacknowledged batches and no acknowledgement for this long is replaced. */
  stallMs?: number;
}

interface Batch {
  seq: number;
  lines: { text: string; timeMs: number }[];
  bytes: number;
}

interface StepLog {
  nextSeq: number;
  acked: number;
  unacked: Batch[];
  pending: Batch | undefined;
  /** The coordinator stopped keeping this step's lines (size limit). */
  truncated: boolean;
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

const LINE_OVERHEAD = 16;

export class LogShipper {
  private readonly steps = new Map<number, StepLog>();
  private readonly waiters = new Set<Waiter>();
  private stream: LogStream | undefined;
  private bytes = 0;
  private closedWith: Error | undefined;
  private closed = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly stallTimer: NodeJS.Timeout;
  private lastProgressAt = Date.now();
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 3_000 });
  private readonly maxBatchLines: number;
  private readonly maxBatchBytes: number;
  private readonly flushMs: number;
  private readonly maxBufferBytes: number;
  /** Batches sent over a stream that broke before they were acknowledged. */
  resent = 0;

  constructor(private readonly opts: ShipperOptions) {
    this.maxBatchLines = opts.maxBatchLines ?? 500;
    this.maxBatchBytes = opts.maxBatchBytes ?? 64 * 1024;
    this.flushMs = opts.flushMs ?? 200;
    this.maxBufferBytes = opts.maxBufferBytes ?? 8 * 1024 * 1024;
    const stallMs = opts.stallMs ?? 20_000;
    this.stallTimer = setInterval(() => this.checkStall(stallMs), Math.max(1000, stallMs / 4));
    this.stallTimer.unref();
  }

  /** Unacknowledged bytes have reached the limit: wait on `room()` before adding more. */
  get full(): boolean {
    return this.bytes >= this.maxBufferBytes;
  }

  room(): Promise<void> {
    return this.wait(() => this.bytes < this.maxBufferBytes);
  }

  add(stepId: number, text: string, timeMs: number): void {
    if (this.closed) return;
    const step = this.step(stepId);
    if (step.truncated) return;
    if (step.pending === undefined) {
      step.pending = { seq: 0, lines: [], bytes: 0 };
      this.flushTimer ??= setTimeout(() => this.cutAll(), this.flushMs);
    }
    const size = text.length + LINE_OVERHEAD;
    step.pending.lines.push({ text, timeMs });
    step.pending.bytes += size;
    this.bytes += size;
    if (step.pending.lines.length >= this.maxBatchLines || step.pending.bytes >= this.maxBatchBytes) {
      this.cut(stepId, step);
    }
  }

  /** Sends what the step has waiting and resolves once the coordinator holds all of it. */
  flushStep(stepId: number): Promise<void> {
    const step = this.steps.get(stepId);
    if (step === undefined) return this.wait(() => true);
    this.cut(stepId, step);
    const target = step.nextSeq - 1;
    return this.wait(() => step.acked >= target || step.truncated);
  }

  /** Sends everything and resolves once all of it is acknowledged; then closes the stream. */
  async finish(): Promise<void> {
    this.cutAll();
    await this.wait(() => [...this.steps.values()].every((s) => s.truncated || s.acked >= s.nextSeq - 1));
    this.close();
  }

  /** Stops shipping; waiters fail with `err` when given. Unacknowledged lines are dropped. */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closedWith = err;
    clearTimeout(this.flushTimer);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.stallTimer);
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      if (err) s.cancel();
      else s.end();
    }
    for (const w of this.waiters) {
      if (err) w.reject(err);
      else w.resolve();
    }
    this.waiters.clear();
  }

  private step(stepId: number): StepLog {
    let s = this.steps.get(stepId);
    if (s === undefined) {
      s = { nextSeq: 1, acked: 0, unacked: [], pending: undefined, truncated: false };
      this.steps.set(stepId, s);
    }
    return s;
  }

  private cutAll(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const [id, s] of this.steps) this.cut(id, s);
  }

  private cut(stepId: number, step: StepLog): void {
    const batch = step.pending;
    if (batch === undefined || batch.lines.length === 0) return;
    step.pending = undefined;
    batch.seq = step.nextSeq++;
    step.unacked.push(batch);
    this.send(stepId, batch);
  }

  private send(stepId: number, batch: Batch): void {
    if (this.closed) return;
    const stream = this.stream ?? this.open();
    if (stream === undefined) return;
    const msg: LogBatch = {
      jobId: this.opts.jobId,
      leaseToken: this.opts.leaseToken,
      stepId,
      seq: batch.seq,
      lines: batch.lines,
    };
    stream.write(msg);
  }

  private open(): LogStream | undefined {
    if (this.closed || this.reconnectTimer !== undefined) return undefined;
    const stream = this.opts.conn.openLogStream();
    this.stream = stream;
    this.lastProgressAt = Date.now();
    stream.on('data', (ack: LogAck__Output) => this.onAck(ack));
    stream.on('error', (err: Error) => this.onBroken(stream, err));
    stream.on('end', () => this.onBroken(stream, undefined));
    return stream;
  }

  private onAck(ack: LogAck__Output): void {
    const step = this.steps.get(ack.stepId);
    if (step === undefined) return;
    this.backoff.reset();
    this.lastProgressAt = Date.now();
    if (ack.ackedSeq > step.acked) step.acked = ack.ackedSeq;
    while (step.unacked.length > 0 && (step.unacked[0]?.seq ?? Infinity) <= step.acked) {
      const b = step.unacked.shift() as Batch;
      this.bytes -= b.bytes;
    }
    if (ack.truncated && !step.truncated) {
      step.truncated = true;
      this.opts.log.info({ step: ack.stepId }, 'step log reached its size limit at the coordinator');
      for (const b of [...step.unacked, ...(step.pending ? [step.pending] : [])]) this.bytes -= b.bytes;
      step.unacked = [];
      step.pending = undefined;
    }
    this.checkWaiters();
  }

  private onBroken(stream: LogStream, err: Error | undefined): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    if (this.closed) return;
    const kind = err === undefined ? undefined : classify(err, this.opts.conn.address);
    if (kind instanceof LeaseLostError || kind instanceof RunnerRefusedError) {
      this.opts.onLost(kind);
      this.close(kind);
      return;
    }
    const unacked = [...this.steps.values()].reduce((n, s) => n + s.unacked.length, 0);
    const delay = this.backoff.next();
    this.opts.log.warn(
      { reason: err ? grpcMessage(err) : 'stream ended', unacked, retryInMs: delay },
      'log stream broke; reconnecting',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.resendAll();
    }, delay);
  }

  private resendAll(): void {
    if (this.closed) return;
    for (const [id, s] of this.steps) {
      for (const b of s.unacked) {
        this.resent++;
        this.send(id, b);
      }
    }
    if (this.stream === undefined) this.open();
  }

  private checkStall(stallMs: number): void {
    if (this.closed || this.stream === undefined) return;
    const waiting = [...this.steps.values()].some((s) => s.unacked.length > 0);
    if (waiting && Date.now() - this.lastProgressAt > stallMs) {
      this.opts.log.warn({ stallMs }, 'no log acknowledgement for too long; replacing the stream');
      this.stream.cancel();
    }
  }

  private wait(ready: () => boolean): Promise<void> {
    if (this.closed) return this.closedWith ? Promise.reject(this.closedWith) : Promise.resolve();
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.add({ ready, resolve, reject }));
  }

  private checkWaiters(): void {
    for (const w of this.waiters) {
      if (w.ready()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }
}
