/**
 * TailLog: a step's stored log from `after_seq`, then (with `follow`) live
 * batches until the step has ended. Live batches come over NATS from
 * whichever coordinator stores them; a gap, a reload hint, a lost message or
 * silence all fall back to reading the store, which is the truth. A follower
 * announces itself (viewers.ts) so that lines are published at all. The step is
 * over when it has ended and its job has ended too, or when it ended and no
 * line came for a while (a runner may ship the last lines after the step's
 * final state).
 */
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type { LogChunk } from '../../../proto/generated/hangar/v1/LogChunk.js';
import type { TailLogRequest__Output } from '../../../proto/generated/hangar/v1/TailLogRequest.js';
import { StatusError } from '../../shared/grpc/status.js';
import { findBuild, findRepo } from '../builds/repo-ref.js';
import type { CoordinatorContext } from '../context.js';
import { isFinished, truncationMarker } from '../store/index.js';
import { type LiveMessage, parseLive } from './live.js';
import { announceViewer, RENEW_MS } from './viewers.js';

/** How often a follower looks at the store when NATS says nothing. */
const POLL_MS = 1000;
/** How long after a step ended lines may still come while its job runs. */
const AFTER_END_MS = 2000;
/** Live messages buffered per viewer; past this the viewer reads the store. */
const LIVE_LIMIT = 1000;

type Call = ServerWritableStream<TailLogRequest__Output, LogChunk>;

async function target(ctx: CoordinatorContext, req: TailLogRequest__Output) {
  const repo = await findRepo(ctx.store, req.repo);
  const build = await findBuild(ctx.store, repo, req.buildNumber);
  const jobs = await ctx.store.jobs.listByBuild(build.id);
  const job = jobs.find((j) => j.number === req.jobNumber);
  if (job === undefined) {
    throw new StatusError(
      status.NOT_FOUND,
      `build ${build.number} of ${repo.slug} has no job ${req.jobNumber}; its jobs are numbered 1 to ${jobs.length}`,
    );
  }
  const steps = await ctx.store.steps.listByJob(job.id);
  const step = steps.find((s) => s.name === req.step);
  if (step === undefined) {
    throw new StatusError(
      status.NOT_FOUND,
      `job ${job.number} (${job.name}) of build ${build.number} has no step '${req.step}'; its steps are ${steps.map((s) => `'${s.name}'`).join(', ')}`,
    );
  }
  return { job, step };
}

function write(call: Call, chunk: LogChunk): Promise<void> {
  if (call.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

export async function tailLog(ctx: CoordinatorContext, call: Call, isClosed: () => boolean): Promise<void> {
  const req = call.request;
  const { job, step } = await target(ctx, req);
  const marker = truncationMarker(ctx.cfg.logLimit);
  let last = Math.max(0, req.afterSeq);
  let truncated = false;

  /** Sends what the store holds after `last`. */
  const fromStore = async () => {
    for (;;) {
      const chunks = await ctx.store.logs.read(step.id, { afterSeq: last, limit: 500 });
      for (const c of chunks) {
        if (isClosed()) return;
        const cut = c.text.endsWith(marker);
        truncated ||= cut;
        const lines = c.text.endsWith('\n') ? c.text.slice(0, -1).split('\n') : c.text.split('\n');
        await write(call, { seq: c.seq, lines: c.text === '' ? [] : lines, truncated: cut });
        last = c.seq;
      }
      if (chunks.length < 500) return;
    }
  };

  const live: LiveMessage[] = [];
  let overflow = false;
  let wake: (() => void) | undefined;
  const sub = req.follow
    ? ctx.bus.onLogs(String(step.id), (m) => {
        const msgs = parseLive(m);
        if (msgs.length === 0) return;
        if (live.length + msgs.length > LIVE_LIMIT) overflow = true;
        else live.push(...msgs);
        wake?.();
      })
    : undefined;
  // Coordinators publish a step's lines only while someone has said they follow it.
  if (req.follow) announceViewer(ctx.bus, step.id);
  const renew = req.follow ? setInterval(() => announceViewer(ctx.bus, step.id), RENEW_MS) : undefined;
  const onCancel = () => wake?.();
  call.on('cancelled', onCancel);
  try {
    await fromStore();
    if (!req.follow) {
      const now = await ctx.store.steps.get(step.id);
      if (now !== undefined && isFinished(now.status) && !isClosed()) {
        await write(call, { seq: last, lines: [], truncated, eof: true });
      }
      return;
    }
    let endedSeenAt: number | undefined;
    let lastLineAt = Date.now();
    while (!isClosed()) {
      if (live.length === 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
      if (isClosed()) return;
      const msgs = live.splice(0);
      let reload = overflow || msgs.length === 0;
      overflow = false;
      let endHint = false;
      for (const m of msgs) {
        if ('end' in m) endHint = true;
        else if ('reload' in m) reload = true;
        else if (m.seq <= last) continue;
        else if (m.seq === last + 1 && !reload) {
          await write(call, { seq: m.seq, lines: m.lines, truncated: false });
          last = m.seq;
          lastLineAt = Date.now();
        } else reload = true;
      }
      if (reload) {
        const before = last;
        await fromStore();
        if (last > before) lastLineAt = Date.now();
      }
      if (endHint || msgs.length === 0) {
        const [s, j] = await Promise.all([ctx.store.steps.get(step.id), ctx.store.jobs.get(job.id)]);
        if (s === undefined || j === undefined) return;
        if (isFinished(s.status)) {
          endedSeenAt ??= Date.now();
          const quiet = Date.now() - Math.max(endedSeenAt, lastLineAt) >= AFTER_END_MS;
          if (isFinished(j.status) || quiet) {
            await fromStore();
            if (!isClosed()) await write(call, { seq: last, lines: [], truncated, eof: true });
            return;
          }
        } else {
          endedSeenAt = undefined;
        }
      }
    }
  } finally {
    clearInterval(renew);
    sub?.unsubscribe();
    call.off('cancelled', onCancel);
  }
}
