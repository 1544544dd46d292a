import type { StatusState } from './state.js';

/**
 * GitLab's commit-status state machine (CommitStatus in app/models/commit_status.rb)
 * and the events its API applies per posted state
 * (Ci::CreateCommitStatusService#apply_job_state!).
 */

export const POSTABLE_STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'] as const;
export type PostedState = (typeof POSTABLE_STATES)[number];

const EVENTS: Record<string, { from: readonly StatusState[]; to: StatusState }> = {
  enqueue: { from: ['created', 'skipped'], to: 'pending' },
  run: { from: ['pending'], to: 'running' },
  success: { from: ['created', 'pending', 'running'], to: 'success' },
  drop: { from: ['created', 'pending', 'running'], to: 'failed' },
  cancel: { from: ['created', 'pending', 'running'], to: 'canceled' },
  skip: { from: ['created', 'pending'], to: 'skipped' },
};

/** Per posted state: the events in order, and whether a refusal is an error (`event!`) or silently ignored. */
const APPLY: Record<PostedState, { event: string; strict: boolean }[]> = {
  pending: [{ event: 'enqueue', strict: true }],
  running: [
    { event: 'enqueue', strict: false },
    { event: 'run', strict: true },
  ],
  success: [{ event: 'success', strict: true }],
  failed: [{ event: 'drop', strict: true }],
  canceled: [{ event: 'cancel', strict: true }],
  skipped: [{ event: 'skip', strict: true }],
};

export type TransitionResult = { ok: true; to: StatusState } | { ok: false; message: string };

/** Applies a posted state to a status currently in `from` (a new status starts in 'created'). */
export function transition(from: StatusState, posted: PostedState): TransitionResult {
  let state = from;
  for (const step of APPLY[posted]) {
    const ev = EVENTS[step.event];
    if (ev?.from.includes(state)) {
      state = ev.to;
      continue;
    }
    if (step.strict) {
      return {
        ok: false,
        message: `Cannot transition status via :${step.event} from :${state} (Reason(s): Status cannot transition via "${step.event}")`,
      };
    }
  }
  return { ok: true, to: state };
}

/** Only pending and running statuses are found again by a later post; finished ones are superseded by a new one. */
export function isOpen(state: StatusState): boolean {
  return state === 'pending' || state === 'running';
}

export function isFinished(state: StatusState): boolean {
  return state === 'success' || state === 'failed' || state === 'canceled' || state === 'skipped';
}
