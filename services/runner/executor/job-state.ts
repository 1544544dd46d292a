import type { JobResult, JobStatus, StepKind, StepState, StepStatus } from '../../shared/job/events.js';
import type { StepSpec } from '../../shared/pipeline/types.js';

/** A step, service or clone step of the job, with its current state. */
export interface Unit {
  spec: StepSpec;
  kind: StepKind;
  state: StepState;
  /** Variables added by the executor (script, clone source, credentials). */
  extraEnv: Record<string, string>;
}

export interface Finish {
  status: StepStatus;
  exitCode?: number;
  oomKilled?: boolean;
  error?: string;
}

/**
 * The states of every unit of a job, and what the pipeline's status is so
 * far. Every change goes to `onStep` as a copy, in order.
 */
export class JobState {
  readonly units: Unit[] = [];
  /** A counted step has failed: later steps run only if they ask for failure. */
  failing = false;
  /** A counted step could not run at all (image, start, setup). */
  erred = false;

  constructor(private readonly onStep: ((s: StepState) => void) | undefined) {}

  add(spec: StepSpec, kind: StepKind, extraEnv: Record<string, string> = {}): Unit {
    const unit: Unit = {
      spec,
      kind,
      state: { name: spec.name, kind, status: 'pending', oomKilled: false },
      extraEnv,
    };
    this.units.push(unit);
    return unit;
  }

  announce(): void {
    for (const u of this.units) this.emit(u);
  }

  start(unit: Unit): void {
    unit.state = { ...unit.state, status: 'running', startedAt: Date.now() };
    this.emit(unit);
  }

  finish(unit: Unit, f: Finish, counts = true): void {
    const now = Date.now();
    const next: StepState = {
      name: unit.state.name,
      kind: unit.kind,
      status: f.status,
      oomKilled: f.oomKilled ?? false,
    };
    if (f.exitCode !== undefined) next.exitCode = f.exitCode;
    if (unit.state.startedAt !== undefined) {
      next.startedAt = unit.state.startedAt;
      next.durationMs = now - unit.state.startedAt;
    }
    if (f.error !== undefined) next.error = f.error;
    unit.state = next;
    this.emit(unit);
    if (!counts || unit.spec.failure === 'ignore') return;
    if (f.status === 'failure' || f.status === 'killed') this.failing = true;
    if (f.status === 'error') {
      this.failing = true;
      this.erred = true;
    }
  }

  skip(unit: Unit, reason?: string): void {
    this.finish(unit, { status: 'skipped', ...(reason === undefined ? {} : { error: reason }) }, false);
  }

  result(startedAt: number, killed: string | undefined, setupError?: string): JobResult {
    let status: JobStatus = 'success';
    if (killed !== undefined) status = 'killed';
    else if (this.erred || setupError !== undefined) status = 'error';
    else if (this.failing) status = 'failure';
    const error = killed ?? setupError;
    return {
      status,
      steps: this.units.map((u) => ({ ...u.state })),
      ...(error === undefined ? {} : { error }),
      durationMs: Date.now() - startedAt,
    };
  }

  private emit(unit: Unit): void {
    this.onStep?.({ ...unit.state });
  }
}
