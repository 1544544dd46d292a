/**
 * SendLogs: log batches in, acknowledgements out. Batches that arrive within
 * a couple of milliseconds of each other, or while earlier ones are being
 * written, are written together (one transaction per step), so a fast runner
 * costs few transactions. At most HIGH_WATER
 * batches wait; beyond that the stream is paused, which pushes back to the
 * runner through HTTP/2 flow control. Each acknowledgement carries the highest
 * seq up to which every batch of the step is stored; a runner resends the rest
 * after a reconnect, and the store keeps each batch once.
 */
import type { handleBidiStreamingCall } from '@grpc/grpc-js';
import type { LogAck } from '../../../proto/generated/hangar/v1/LogAck.js';
import type { LogBatch__Output } from '../../../proto/generated/hangar/v1/LogBatch.js';
import type { CoordinatorContext } from '../context.js';
import type { Authenticator } from '../grpc/auth.js';
import { failStream } from '../grpc/handle.js';
import { SHUTDOWN_STATUS, type StreamTracker } from '../grpc/server.js';
import { publishLines, publishReload } from './live.js';
import { Viewers } from './viewers.js';

const HIGH_WATER = 512;
/** How long batches wait for others to share their transaction. */
const COALESCE_MS = 2;

/** A batch as it waits for its write. */
interface Received {
  stepId: number;
  jobId: number;
  leaseToken: string;
  seq: number;
  lines: string[];
}

interface StepState {
  acked: number;
  truncated: boolean;
}

/** Consecutive batches of the same step and lease, in arrival order. */
function groups(batches: readonly Received[]): Received[][] {
  const out: Received[][] = [];
  for (const b of batches) {
    const last = out[out.length - 1];
    const head = last?.[0];
    if (
      last !== undefined &&
      head !== undefined &&
      head.stepId === b.stepId &&
      head.jobId === b.jobId &&
      head.leaseToken === b.leaseToken
    ) {
      last.push(b);
    } else {
      out.push([b]);
    }
  }
  return out;
}

/**
 * Publishes what just became readable to live viewers: the batches from
 * `before` up to `result.acked` that this write holds, in order, or a reload
 * hint where the store holds more than this write (batches stored earlier
 * behind a gap) or the lines were cut at the size limit. Nothing is encoded
 * for a step that nobody watches.
 */
function share(
  bus: CoordinatorContext['bus'],
  viewers: Viewers,
  stepId: number,
  input: readonly { seq: number; lines: string[] }[],
  before: number,
  result: { acked: number; truncated: boolean },
): void {
  if (!viewers.watched(stepId)) return;
  if (result.truncated) {
    publishReload(bus, stepId, result.acked);
    return;
  }
  const fresh: { seq: number; lines: string[] }[] = [];
  let top = before;
  for (const b of [...input].sort((x, y) => x.seq - y.seq)) {
    if (b.seq <= top || b.seq > result.acked) continue;
    fresh.push(b);
    top = b.seq;
  }
  publishLines(bus, stepId, fresh);
  // Batches stored earlier behind a gap became contiguous: viewers read them from the store.
  if (top < result.acked) publishReload(bus, stepId, result.acked);
}

export function sendLogsHandler(
  ctx: CoordinatorContext,
  auth: Authenticator,
  streams: StreamTracker,
): handleBidiStreamingCall<LogBatch__Output, LogAck> {
  const viewers = new Viewers(ctx.bus);
  return (call) => {
    const queue: Received[] = [];
    const steps = new Map<number, StepState>();
    let pumping = false;
    let ended = false;
    let done = false;
    let paused = false;

    const finish = () => {
      done = true;
      queue.length = 0;
      forget();
    };
    const forget = streams.add(() => {
      if (done) return;
      finish();
      call.emit('error', SHUTDOWN_STATUS);
    });
    const authed = auth.runner(call, 'SendLogs');
    authed.catch(() => {});

    const write = async (group: Received[]) => {
      const first = group[0] as Received;
      const stepId = first.stepId;
      let lines = 0;
      for (const b of group) lines += b.lines.length;
      const result = await ctx.store.logs.append(stepId, group, {
        jobId: first.jobId,
        token: first.leaseToken,
      });
      ctx.metrics.logLines.inc({}, lines);
      const state = steps.get(stepId) ?? { acked: 0, truncated: false };
      if (result.acked > state.acked && !state.truncated)
        share(ctx.bus, viewers, stepId, group, state.acked, result);
      state.acked = result.acked;
      state.truncated = result.truncated;
      steps.set(stepId, state);
      if (!done) call.write({ stepId, ackedSeq: result.acked, truncated: result.truncated });
    };

    /**
     * Runs the pump a moment later (COALESCE_MS): every batch read from the
     * socket meanwhile joins the same write. (The SQLite store works
     * synchronously, so without this each batch would be its own transaction.)
     */
    let scheduled = false;
    const schedule = () => {
      if (scheduled || pumping || done) return;
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        void pump();
      }, COALESCE_MS);
    };

    const pump = async () => {
      if (pumping || done) return;
      pumping = true;
      try {
        await authed;
        while (queue.length > 0 && !done) {
          const batch = queue.splice(0, queue.length);
          if (paused) {
            paused = false;
            call.resume();
          }
          for (const group of groups(batch)) {
            if (done) break;
            await write(group);
          }
        }
        if (ended && !done) {
          finish();
          call.end();
        }
      } catch (err) {
        if (!done) {
          finish();
          failStream(call, err, 'SendLogs', ctx.log);
        }
      } finally {
        pumping = false;
      }
      if (queue.length > 0 || (ended && !done)) schedule();
    };

    call.on('data', (b: LogBatch__Output) => {
      if (done) return;
      // Only the text is kept: the decoded line objects are garbage at once, not after the write.
      queue.push({
        stepId: b.stepId,
        jobId: b.jobId,
        leaseToken: b.leaseToken,
        seq: b.seq,
        lines: b.lines.map((l) => l.text),
      });
      if (queue.length >= HIGH_WATER && !paused) {
        paused = true;
        call.pause();
      }
      schedule();
    });
    call.on('end', () => {
      ended = true;
      schedule();
    });
    call.on('cancelled', () => {
      if (!done) finish();
    });
    call.on('error', () => {
      if (!done) finish();
    });
  };
}
