import { errorMessage } from '../../shared/errors.js';
import type { LogLine, LogStream } from '../../shared/job/events.js';
import { DockerError, type OutputStream } from '../docker/engine.js';
import { LineSplitter } from '../logs/line-splitter.js';
import { FrameDecoder } from '../logs/log-frames.js';
import { containerSpec } from './container-spec.js';
import type { JobContext } from './context.js';
import type { Unit } from './job-state.js';
import { describeEnd } from './outcome.js';
import { ensureImage } from './pull.js';

/**
 * One container's life: image, create, start, logs, wait, outcome, removal.
 * Nothing here throws; every failure ends as the unit's state.
 */
interface Launched {
  id: string;
  /** Ends when the container's output has been read to the end. */
  pump: Promise<void>;
}

/** Runs a step and resolves once it has ended and its state is final. */
export async function runStep(ctx: JobContext, unit: Unit): Promise<void> {
  const launched = await launch(ctx, unit);
  if (launched) await awaitEnd(ctx, unit, launched, true);
}

/**
 * Starts a service or a detached step and resolves once it runs (or could
 * not start). Its end is awaited at teardown; it does not decide the
 * pipeline's status once it has started.
 */
export async function startBackground(ctx: JobContext, unit: Unit): Promise<void> {
  const launched = await launch(ctx, unit);
  if (launched) ctx.background.push(awaitEnd(ctx, unit, launched, false));
}

async function launch(ctx: JobContext, unit: Unit): Promise<Launched | undefined> {
  const name = unit.spec.name;
  ctx.state.start(unit);
  try {
    await ensureImage(ctx, unit.spec.image, unit.spec.pull);
  } catch (err) {
    if (ctx.killedBecause !== undefined)
      ctx.state.finish(unit, { status: 'killed', error: ctx.killedBecause });
    else ctx.state.finish(unit, { status: 'error', error: errorMessage(err) });
    return undefined;
  }
  if (ctx.killedBecause !== undefined) {
    ctx.state.finish(unit, { status: 'killed', error: ctx.killedBecause });
    return undefined;
  }
  let id: string;
  try {
    id = await ctx.engine.createContainer(containerSpec(ctx, unit));
    ctx.created.containers.add(id);
  } catch (err) {
    ctx.state.finish(unit, { status: 'error', error: couldNotStart(name, err) });
    return undefined;
  }
  let output: OutputStream | undefined;
  try {
    output = await ctx.engine.attachOutput(id);
    await ctx.engine.startContainer(id);
  } catch (err) {
    output?.destroy();
    ctx.log.warn({ err, step: name }, 'container start failed');
    ctx.state.finish(unit, { status: 'error', error: couldNotStart(name, err) });
    ctx.remove(id);
    return undefined;
  }
  ctx.running.set(id, unit);
  if (ctx.killedBecause !== undefined) ctx.stop(id);
  return { id, pump: pumpLogs(ctx, unit, output) };
}

async function awaitEnd(ctx: JobContext, unit: Unit, { id, pump }: Launched, counts: boolean): Promise<void> {
  const timeoutMs = unit.spec.timeoutMs;
  let timedOut = false;
  const timer =
    counts && timeoutMs !== undefined && timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          ctx.stop(id);
        }, timeoutMs)
      : undefined;
  let exitCode: number;
  try {
    exitCode = await ctx.engine.waitContainer(id);
  } catch (err) {
    ctx.log.warn({ err, step: unit.spec.name }, 'container wait failed');
    exitCode = -1;
  } finally {
    clearTimeout(timer);
  }
  ctx.running.delete(id);
  const killedBecause = ctx.killedBecause;
  const tornDown = !counts && ctx.tearingDown;
  let oomKilled = false;
  let engineError: string | undefined;
  if (exitCode !== 0 && killedBecause === undefined && !tornDown && !timedOut) {
    try {
      const st = await ctx.engine.inspectContainer(id);
      oomKilled = st.oomKilled;
      engineError = st.error;
    } catch (err) {
      ctx.log.warn({ err, step: unit.spec.name }, 'container inspect failed');
    }
  }
  await pump;
  ctx.remove(id);
  if (tornDown && killedBecause === undefined) {
    ctx.state.finish(unit, { status: 'success' }, false);
    return;
  }
  const memLimit = unit.spec.memLimit ?? ctx.opts.memLimit;
  const ending = describeEnd({
    exitCode,
    oomKilled,
    ...(memLimit === undefined ? {} : { memLimit }),
    ...(timedOut && timeoutMs !== undefined ? { timedOutAfterMs: timeoutMs } : {}),
    ...(killedBecause === undefined ? {} : { killedBecause }),
    ...(engineError === undefined ? {} : { engineError }),
  });
  ctx.state.finish(unit, ending, counts);
}

/** Reads the container's output into the job's log queue, waiting whenever the queue is full. */
async function pumpLogs(ctx: JobContext, unit: Unit, stream: OutputStream): Promise<void> {
  const step = unit.spec.name;
  const decoder = new FrameDecoder();
  const splitters: Record<LogStream, LineSplitter> = {
    stdout: new LineSplitter(ctx.masker),
    stderr: new LineSplitter(ctx.masker),
  };
  const texts: string[] = [];
  const batch: LogLine[] = [];
  let n = 0;
  let time = 0;
  const collect = (s: LogStream) => {
    for (const line of texts) batch.push({ step, stream: s, time, line, n: n++ });
    texts.length = 0;
  };
  const onData = (s: LogStream, data: Buffer) => {
    splitters[s].push(data, texts);
    if (texts.length > 0) collect(s);
  };
  const deliver = async () => {
    for (const line of batch) {
      const wait = ctx.logs.push(line);
      if (wait) await wait;
    }
    batch.length = 0;
  };
  try {
    for await (const chunk of stream) {
      time = Date.now();
      decoder.push(chunk, onData);
      if (batch.length > 0) await deliver();
    }
  } catch (err) {
    ctx.log.debug({ err, step }, 'log stream ended early');
  }
  time = Date.now();
  splitters.stdout.end(texts);
  collect('stdout');
  splitters.stderr.end(texts);
  collect('stderr');
  await deliver();
}

function couldNotStart(step: string, err: unknown): string {
  const reason = err instanceof DockerError ? err.reason : errorMessage(err);
  return `step "${step}" could not start: ${reason}`;
}
