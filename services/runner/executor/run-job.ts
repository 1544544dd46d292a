import { errorMessage } from '../../shared/errors.js';
import type { JobResult, LogLine } from '../../shared/job/events.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import { type DockerEngine, DockerError } from '../docker/engine.js';
import { LogQueue } from '../logs/log-queue.js';
import { cloneEnv, cloneScript, cloneSource, isDefaultClone } from './clone.js';
import { JobContext } from './context.js';
import { JobState, type Unit } from './job-state.js';
import { DEFAULT_CLONE_IMAGE, DEFAULT_LOG_LIMITS, type RunOptions } from './options.js';
import { formatDuration } from './outcome.js';
import { createResources, removeResources } from './resources.js';
import { runStep, startBackground } from './run-step.js';
import { runSteps } from './schedule.js';
import { SCRIPT_ENV } from './script.js';
import { trustViolations } from './trust.js';

/** A job being run: its log lines as they come, and its result at the end. */
export interface JobRun {
  /**
   * Every log line of every step, in order per step. Bounded: the job waits
   * while it is full, so the caller must read it (or stop iterating, which
   * drops the rest). Ends when the job has ended.
   */
  logs: LogQueue<LogLine>;
  /** Resolves (never rejects) when every container, network and volume of the job is gone. */
  done: Promise<JobResult>;
}

/**
 * Runs one job (one pipeline, one matrix axis) on a Docker engine: clone,
 * services, steps as a graph, then teardown. Step states go to
 * `opts.onStep`; log lines to `logs`.
 */
export function runJob(engine: DockerEngine, plan: JobPlan, opts: RunOptions): JobRun {
  const limits = opts.logLimits ?? DEFAULT_LOG_LIMITS;
  const logs = new LogQueue<LogLine>({ ...limits, size: (l) => l.line.length + 64 });
  const state = new JobState(opts.onStep);
  const ctx = new JobContext(engine, plan, opts, state, logs);
  const done = execute(ctx).finally(() => logs.close());
  return { logs, done };
}

async function execute(ctx: JobContext): Promise<JobResult> {
  const startedAt = Date.now();
  const { plan, opts, state } = ctx;
  const clone = plan.clone ? addClone(ctx, plan.clone) : undefined;
  const services = plan.services.map((s) => state.add(s, 'service'));
  const steps = plan.steps.map((s) => state.add(s, 'step'));
  state.announce();

  if (!plan.run) {
    for (const u of state.units) state.skip(u, plan.skipReason ?? 'the pipeline is excluded by its trigger');
    return state.result(startedAt, undefined);
  }
  for (const u of state.units)
    if (!u.spec.run) state.skip(u, u.spec.skipReason ?? 'excluded by its conditions');
  if (clone && clone.state.status === 'pending' && clone.extraEnv.DRONE_REMOTE_URL === undefined) {
    state.finish(clone, {
      status: 'error',
      error: 'there is no repository URL to clone from; give the repository a clone URL or disable cloning',
    });
  }

  if (!opts.trusted) {
    const refused = trustViolations(plan);
    if (refused.size > 0) {
      for (const u of state.units) {
        if (u.state.status !== 'pending') continue;
        const why = refused.get(u.spec.name);
        if (why !== undefined) state.finish(u, { status: 'error', error: why });
        else state.skip(u, 'the job was refused');
      }
      return state.result(startedAt, undefined, [...refused.values()][0]);
    }
  }

  const onAbort = () => ctx.kill('cancelled');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    opts.timeoutMs !== undefined && opts.timeoutMs > 0
      ? setTimeout(
          () => ctx.kill(`the job timed out after ${formatDuration(opts.timeoutMs ?? 0)}`),
          opts.timeoutMs,
        )
      : undefined;

  let setupError: string | undefined;
  try {
    if (ctx.killedBecause === undefined) await createResources(ctx);
    if (clone && clone.state.status === 'pending' && ctx.killedBecause === undefined)
      await runStep(ctx, clone);
    await Promise.all(
      services
        .filter((u) => u.state.status === 'pending' && ctx.killedBecause === undefined)
        .map((u) => startBackground(ctx, u)),
    );
    await runSteps(ctx, steps);
  } catch (err) {
    ctx.log.error({ err }, 'job failed');
    const reason = err instanceof DockerError ? err.reason : errorMessage(err);
    setupError = `the job could not be set up on the Docker engine at ${ctx.engine.address}: ${reason}`;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    try {
      await removeResources(ctx);
    } catch (err) {
      ctx.log.error({ err }, 'job teardown failed');
    }
  }
  for (const u of state.units) {
    if (u.state.status === 'pending') state.skip(u, ctx.killedBecause ?? setupError);
  }
  return state.result(startedAt, ctx.killedBecause, setupError);
}

function addClone(ctx: JobContext, spec: NonNullable<JobPlan['clone']>): Unit {
  const source = cloneSource(ctx.plan, spec, ctx.opts.cloneUrl);
  const extra = cloneEnv(source, ctx.opts.netrc);
  if (!isDefaultClone(spec)) return ctx.state.add(spec, 'clone', extra);
  const image = ctx.opts.cloneImage ?? DEFAULT_CLONE_IMAGE;
  return ctx.state.add({ ...spec, image, commands: [] }, 'clone', { ...extra, [SCRIPT_ENV]: cloneScript() });
}
