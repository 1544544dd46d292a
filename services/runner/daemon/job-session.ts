/**
 * One accepted job on this runner, from Accept to Complete: runs the plan with
 * the executor, keeps the lease, reports step states, ships logs, and
 * completes. Three things stop it early:
 * - a cancel (NATS signal or the lease answer): the executor kills the job,
 *   which then completes as killed;
 * - the coordinator refusing the lease (FAILED_PRECONDITION): the job stops at
 *   once and nothing more is reported, since another runner may own it now;
 * - the runner handing it back (drain grace over, or a hard stop): the job
 *   stops and, once its containers are gone, is completed as PENDING, which
 *   sends it to another runner (should that fail, the lapsing lease does).
 */
import type { AcceptResponse__Output } from '../../../proto/generated/hangar/v1/AcceptResponse.js';
import { errorMessage } from '../../shared/errors.js';
import { isFinal, type JobResult, type LogLine, type StepState } from '../../shared/job/events.js';
import type { Logger } from '../../shared/log.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import type { RunnerDaemonConfig } from '../config.js';
import type { DockerEngine, RegistryAuth } from '../docker/engine.js';
import { type JobRun, runJob } from '../executor/run-job.js';
import {
  CallAbortedError,
  type CoordinatorConnection,
  LeaseLostError,
  RunnerRefusedError,
} from './connection.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LogShipper } from './log-shipper.js';
import { protoStatus } from './status.js';
import { stepIdResolver } from './step-ids.js';
import { StepReporter } from './step-reporter.js';

/** How long a stopping runner keeps trying to hand a job back before leaving it to the lease. */
const RELEASE_PATIENCE_MS = 10_000;

export interface SessionDeps {
  conn: CoordinatorConnection;
  engine: DockerEngine;
  cfg: RunnerDaemonConfig;
  leaseTimeoutMs: number;
  log: Logger;
}

/** How a session ended: completed at the coordinator, lease lost, or handed back unfinished. */
export type SessionEnd = 'completed' | 'lost' | 'handed-back';

export class JobSession {
  readonly log: Logger;
  private readonly abort = new AbortController();
  /** Aborted when the runner stops reporting on this job (lost or handed back). */
  private readonly quit = new AbortController();
  /** Set once the executor is done: all that is left is telling the coordinator. */
  private executed = false;
  private end: SessionEnd | undefined;
  private readonly shipper: LogShipper;
  private readonly reporter: StepReporter;
  private readonly keeper: LeaseKeeper;
  private run: JobRun | undefined;
  private taken = 0;
  private barriers: { target: number; resolve: () => void }[] = [];
  private readonly stepStarts = new Map<number, number>();
  private readonly token: string;

  constructor(
    private readonly deps: SessionDeps,
    readonly jobId: number,
    private readonly accepted: AcceptResponse__Output,
  ) {
    this.token = accepted.leaseToken;
    this.log = deps.log.child({
      job: jobId,
      attempt: accepted.attempt,
      build: accepted.buildNumber,
      repo: accepted.repoSlug,
    });
    const common = { conn: deps.conn, jobId, leaseToken: this.token, log: this.log };
    const onLost = (err: Error) => this.lose(err);
    this.shipper = new LogShipper({ ...common, onLost });
    this.reporter = new StepReporter({ ...common, signal: this.quit.signal, onLost });
    this.keeper = new LeaseKeeper({
      ...common,
      leaseTimeoutMs: deps.leaseTimeoutMs,
      onLost,
      onCancelled: () => this.cancel('the coordinator says the job was cancelled'),
    });
  }

  /** Runs the job to its end. Never rejects. */
  async start(): Promise<SessionEnd> {
    this.keeper.start();
    let plan: JobPlan;
    try {
      plan = JSON.parse(this.accepted.planJson) as JobPlan;
    } catch (err) {
      this.log.error({ err }, 'job plan is not valid JSON');
      return this.complete(
        'error',
        `the coordinator sent a plan the runner cannot read: ${errorMessage(err)}`,
      );
    }
    this.log.info({ pipeline: plan.pipeline }, 'job started');
    const ids = stepIdResolver(plan, this.accepted.steps);
    const { cfg, engine } = this.deps;
    const run = runJob(engine, plan, {
      jobId: String(this.jobId),
      runnerId: cfg.name,
      trusted: plan.environment.DRONE_REPO_TRUSTED === 'true',
      secrets: Object.fromEntries(this.accepted.secrets.map((s) => [s.name, s.value])),
      registries: Object.fromEntries(
        this.accepted.registries.map((r): [string, RegistryAuth] => [
          r.address,
          { username: r.username, password: r.password },
        ]),
      ),
      pullSecretErrors: this.accepted.pullSecretErrors,
      pullSecretNotes: this.accepted.pullSecretNotes,
      ...(this.accepted.netrc?.machine ? { netrc: this.accepted.netrc } : {}),
      cloneImage: cfg.cloneImage,
      ...(cfg.memLimit === undefined ? {} : { memLimit: cfg.memLimit }),
      timeoutMs: cfg.jobTimeoutMs,
      stopGraceMs: cfg.stopGraceMs,
      signal: this.abort.signal,
      onStep: (s) => this.onStep(ids.forState(s), s),
      log: this.log,
    });
    this.run = run;
    const pumped = this.pump(run, (line) => ids.forLine(line));
    const result = await run.done;
    await pumped;
    this.executed = true;
    this.log.debug({ status: result.status }, 'job ran; reporting its end');
    for (const b of this.barriers) b.resolve();
    this.barriers = [];
    if (this.end === 'handed-back') return this.release();
    if (this.end !== undefined) return this.finishEarly();
    try {
      await this.shipper.finish();
    } catch {
      return this.finishEarly();
    }
    await this.reporter.idle();
    if (this.end !== undefined) return this.finishEarly();
    return this.complete(result.status, result.error ?? '', result);
  }

  /** Stops the job; it completes as killed. */
  cancel(reason: string): void {
    if (this.abort.signal.aborted) return;
    this.log.info({ reason }, 'job cancelled');
    this.abort.abort(new Error(reason));
  }

  /** Stops the job unfinished and gives it back to the coordinator for another runner. */
  handBack(): void {
    if (this.end !== undefined) return;
    if (this.executed) {
      // Finished already: completing it beats running it again elsewhere.
      setTimeout(() => this.quit.abort(), RELEASE_PATIENCE_MS).unref();
      return;
    }
    this.log.warn('handing the job back: stopping it unfinished');
    this.stopReporting('handed-back');
  }

  private lose(err: Error): void {
    if (this.end !== undefined) return;
    if (err instanceof RunnerRefusedError)
      this.log.error({ reason: err.message }, 'coordinator refused the runner');
    else this.log.warn({ reason: err.message }, 'lease lost; stopping the job');
    this.stopReporting('lost', err);
  }

  private stopReporting(end: SessionEnd, err?: Error): void {
    this.end = end;
    this.quit.abort();
    // A handed-back job keeps its lease until it is released.
    if (end !== 'handed-back') this.keeper.stop();
    this.reporter.stop();
    this.shipper.close(err ?? new LeaseLostError('the job was handed back'));
    this.abort.abort(new Error(end === 'lost' ? 'the runner lost the job' : 'the runner is shutting down'));
  }

  private onStep(stepId: number | undefined, s: StepState): void {
    if (this.end !== undefined || stepId === undefined) return;
    if (s.startedAt !== undefined) this.stepStarts.set(stepId, s.startedAt);
    if (!isFinal(s.status)) {
      this.reporter.report(stepId, s);
      return;
    }
    // Every line of the step is in the executor's queue by now; the final
    // state goes out once they have all been stored.
    const target = this.run?.logs.pushed ?? 0;
    const logged = this.reached(target).then(() => this.shipper.flushStep(stepId));
    this.reporter.report(stepId, s, logged);
  }

  private reached(target: number): Promise<void> {
    if (this.taken >= target) return Promise.resolve();
    return new Promise((resolve) => this.barriers.push({ target, resolve }));
  }

  /** Reads the executor's log queue into the shipper, pausing while the shipper is full. */
  private async pump(run: JobRun, stepOf: (line: LogLine) => number | undefined): Promise<void> {
    for await (const batch of run.logs.batches(500)) {
      for (const line of batch) {
        this.taken++;
        const stepId = stepOf(line);
        if (stepId === undefined || this.end !== undefined) continue;
        const start = this.stepStarts.get(stepId) ?? line.time;
        this.shipper.add(stepId, line.line, Math.max(0, line.time - start));
      }
      if (this.barriers.length > 0) {
        const due = this.barriers.filter((b) => b.target <= this.taken);
        this.barriers = this.barriers.filter((b) => b.target > this.taken);
        for (const b of due) b.resolve();
      }
      if (this.shipper.full && this.end === undefined) await this.shipper.room().catch(() => {});
    }
  }

  private async complete(
    status: JobResult['status'],
    error: string,
    result?: JobResult,
  ): Promise<SessionEnd> {
    const { conn } = this.deps;
    try {
      await conn.retrying(
        () =>
          conn.complete({ jobId: this.jobId, leaseToken: this.token, status: protoStatus(status), error }),
        { what: 'complete job', signal: this.quit.signal },
      );
      this.end = 'completed';
      this.log.info({ status, durationMs: result?.durationMs }, 'job completed');
    } catch (err) {
      if (err instanceof LeaseLostError || err instanceof RunnerRefusedError) this.lose(err);
      else if (!(err instanceof CallAbortedError)) {
        this.log.error({ err }, 'job completion refused');
        this.end = 'lost';
      }
    } finally {
      this.keeper.stop();
      this.shipper.close();
    }
    return this.end ?? 'lost';
  }

  /** Completes the job as PENDING: the coordinator queues it for another runner. */
  private async release(): Promise<SessionEnd> {
    const { conn } = this.deps;
    try {
      await conn.retrying(
        () =>
          conn.complete({
            jobId: this.jobId,
            leaseToken: this.token,
            status: 'PENDING',
            error: 'the runner shut down before the job finished',
          }),
        { what: 'hand back job', signal: AbortSignal.timeout(RELEASE_PATIENCE_MS) },
      );
      this.log.info('job handed back');
    } catch (err) {
      this.log.warn({ reason: errorMessage(err) }, 'could not hand the job back; its lease will lapse');
    }
    return this.finishEarly();
  }

  private finishEarly(): SessionEnd {
    this.keeper.stop();
    const end = this.end ?? 'lost';
    this.log.info({ end }, 'job stopped without completing');
    return end;
  }
}
