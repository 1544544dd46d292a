/**
 * RunnerService: what runners call. Register → Accept → ExtendLease /
 * UpdateStep / SendLogs → Complete. The lease token from Accept must come with
 * every later call; once the lease is lost the call is refused with
 * FAILED_PRECONDITION and the runner must stop the job.
 */
import { status } from '@grpc/grpc-js';
import type { RunnerServiceHandlers } from '../../../proto/load.js';
import { StatusError } from '../../shared/grpc/status.js';
import { jobEnded } from '../builds/lifecycle.js';
import type { CoordinatorContext } from '../context.js';
import { sendLogsHandler } from '../logs/ingest.js';
import { publishStepEnd } from '../logs/live.js';
import { isFinished, type Job, STEP_STATUSES, type StepStatus } from '../store/index.js';
import { acceptJob } from './accept.js';
import type { Authenticator, Caller } from './auth.js';
import { callsHandler, type JobCalls } from './call-stream.js';
import { statusFromMessage } from './convert.js';
import { unary } from './handle.js';
import type { StreamTracker } from './server.js';

type JobRef = Pick<Job, 'id' | 'number' | 'buildId'>;

/** Job id → what step events need; filled at Accept, read on every UpdateStep. */
class JobRefs {
  private readonly refs = new Map<number, JobRef>();
  set(job: JobRef): void {
    this.refs.set(job.id, { id: job.id, number: job.number, buildId: job.buildId });
    if (this.refs.size > 10_000) {
      const oldest = this.refs.keys().next().value;
      if (oldest !== undefined) this.refs.delete(oldest);
    }
  }
  async get(ctx: CoordinatorContext, id: number): Promise<JobRef | undefined> {
    const known = this.refs.get(id);
    if (known !== undefined) return known;
    const job = await ctx.store.jobs.get(id);
    if (job !== undefined) this.set(job);
    return job;
  }
  delete(id: number): void {
    this.refs.delete(id);
  }
}

const optTime = (t: number) => (t > 0 ? t : undefined);

function runnerIdFor(caller: Caller, requested: number): number {
  if (caller.kind === 'runner') {
    if (requested !== 0 && requested !== caller.runner.id) {
      throw new StatusError(
        status.PERMISSION_DENIED,
        `this token belongs to runner ${caller.runner.name} (id ${caller.runner.id}), not to runner ${requested}`,
      );
    }
    return caller.runner.id;
  }
  const id = requested !== 0 ? requested : caller.runnerId;
  if (id === undefined) {
    throw new StatusError(
      status.INVALID_ARGUMENT,
      'the call names no runner; call Register first and send its id',
    );
  }
  return id;
}

export function runnerService(
  ctx: CoordinatorContext,
  auth: Authenticator,
  streams: StreamTracker,
): RunnerServiceHandlers {
  const { store, log, cfg } = ctx;
  const refs = new JobRefs();
  const known = new Set<number>();

  const calls: JobCalls = {
    async Accept(req, caller) {
      const runnerId = runnerIdFor(caller, req.runnerId);
      if (!known.has(runnerId)) {
        if ((await store.runners.get(runnerId)) === undefined) {
          throw new StatusError(
            status.FAILED_PRECONDITION,
            `runner ${runnerId} is not registered (the coordinator's database may have been reset); register again`,
          );
        }
        known.add(runnerId);
      }
      auth.touch(runnerId);
      const accepted = await acceptJob(ctx, req.jobId, runnerId);
      refs.set(accepted.job);
      return accepted.response;
    },

    async ExtendLease(req) {
      const r = await store.jobs.extend(req.jobId, req.leaseToken, cfg.leaseTimeoutMs);
      return { cancelled: r.cancelled, leaseExpiresMs: r.expiresAt };
    },

    async UpdateStep(req) {
      const s = statusFromMessage(req.status);
      if (s === undefined || !(STEP_STATUSES as readonly string[]).includes(s)) {
        throw new StatusError(
          status.INVALID_ARGUMENT,
          `step status ${String(req.status)} is not one a step can have; send RUNNING, SUCCESS, FAILURE, KILLED, ERROR or SKIPPED`,
        );
      }
      const step = await store.steps.update(
        req.stepId,
        { jobId: req.jobId, token: req.leaseToken },
        {
          status: s as StepStatus,
          exitCode: req.exitCode,
          oomKilled: req.oomKilled,
          ...(req.error === '' ? {} : { error: req.error }),
          ...(optTime(req.startedMs) === undefined ? {} : { startedAt: req.startedMs }),
          ...(optTime(req.finishedMs) === undefined ? {} : { finishedAt: req.finishedMs }),
        },
      );
      const ref = await refs.get(ctx, req.jobId);
      if (ref !== undefined) await ctx.events.steps(ref, [step]);
      if (isFinished(step.status)) publishStepEnd(ctx.bus, step.id);
      return {};
    },

    async Complete(req) {
      const s = statusFromMessage(req.status);
      if (s === 'pending') {
        const job = await store.jobs.release(req.jobId, req.leaseToken);
        refs.delete(job.id);
        log.info({ job: job.id, status: job.status }, 'runner handed a job back');
        if (job.status === 'pending') {
          const steps = await store.steps.listByJob(job.id);
          await ctx.events.job(job, steps);
          for (const st of steps) publishStepEnd(ctx.bus, st.id);
          ctx.dispatcher.kick();
        } else {
          await jobEnded(ctx, job);
        }
        return {};
      }
      if (s !== 'success' && s !== 'failure' && s !== 'killed' && s !== 'error') {
        throw new StatusError(
          status.INVALID_ARGUMENT,
          `a job completes as SUCCESS, FAILURE, KILLED or ERROR (or PENDING to hand it back), not ${String(req.status)}`,
        );
      }
      const job = await store.jobs.complete(req.jobId, req.leaseToken, s, req.error);
      refs.delete(job.id);
      await jobEnded(ctx, job);
      return {};
    },
  };

  return {
    Register: unary('Register', log, async (req, call) => {
      const caller = await auth.runner(call, 'Register');
      const name = req.name.trim();
      if (name === '') {
        throw new StatusError(status.INVALID_ARGUMENT, 'a runner needs a name; set HANGAR_RUNNER_NAME');
      }
      if (caller.kind === 'runner' && caller.runner.name !== name) {
        throw new StatusError(
          status.PERMISSION_DENIED,
          `this token belongs to runner ${caller.runner.name}; register under that name`,
        );
      }
      const runner = await store.runners.register({
        name,
        labels: req.labels,
        platform: req.platform || 'linux/amd64',
        capacity: Math.max(1, req.capacity),
        version: req.version,
      });
      known.add(runner.id);
      auth.touch(runner.id);
      log.info({ runner: runner.name, id: runner.id, capacity: runner.capacity }, 'runner registered');
      return { runnerId: runner.id, leaseTimeoutMs: cfg.leaseTimeoutMs };
    }),

    Accept: unary('Accept', log, async (req, call) => calls.Accept(req, await auth.runner(call, 'Accept'))),
    ExtendLease: unary('ExtendLease', log, async (req, call) =>
      calls.ExtendLease(req, await auth.runner(call, 'ExtendLease')),
    ),
    UpdateStep: unary('UpdateStep', log, async (req, call) =>
      calls.UpdateStep(req, await auth.runner(call, 'UpdateStep')),
    ),
    Complete: unary('Complete', log, async (req, call) =>
      calls.Complete(req, await auth.runner(call, 'Complete')),
    ),
    SendLogs: sendLogsHandler(ctx, auth, streams),
    Calls: callsHandler(auth, streams, calls, log),
  };
}
