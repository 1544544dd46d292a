import { HangarError } from '../../shared/errors.js';

/**
 * The failures the GitLab adapter hands to the rest of Hangar. Every call of
 * the adapter throws one of these and nothing else, so callers decide with
 * `instanceof` (or `retryable`) and never look at HTTP details.
 */

/** GitLab is down, overloaded, rate-limiting or unreachable: the same call may succeed later. */
export class GitLabUnavailableError extends HangarError {
  override readonly name = 'GitLabUnavailableError';
  /** The HTTP status, when GitLab answered at all (429, 409, 5xx). */
  readonly status: number | undefined;
  /** How long GitLab asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    opts: { status?: number | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause, retryable: true });
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** GitLab refused the token (401) or what the token may do (403). Retrying will not help. */
export class GitLabAuthError extends HangarError {
  override readonly name = 'GitLabAuthError';
  constructor(
    message: string,
    readonly status: 401 | 403,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
  }
}

/** The project, commit, merge request, note, hook or user does not exist (or is hidden from the token). */
export class GitLabNotFoundError extends HangarError {
  override readonly name = 'GitLabNotFoundError';
  constructor(
    message: string,
    /** GitLab's own words, e.g. "404 Project Not Found". */
    readonly gitlabMessage: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
  }
}

/** A commit-status state change GitLab's state machine refused, parsed from its message. */
export interface RefusedTransition {
  /** The state-machine event: enqueue (pending), run (running), success, drop (failed), cancel, skip. */
  event: string;
  /** The state the status already had. */
  from: string;
}

const TRANSITION = /Cannot transition status via :(\w+) from :(\w+)/;

/** GitLab understood the request and refused it (400, 422 and other 4xx): the message says why. */
export class GitLabRejectedError extends HangarError {
  override readonly name = 'GitLabRejectedError';
  /** Set when GitLab refused a commit-status state change. */
  readonly transition: RefusedTransition | undefined;

  constructor(
    message: string,
    readonly status: number,
    /** GitLab's own words, e.g. "Cannot transition status via :run from :running". */
    readonly gitlabMessage: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    const m = TRANSITION.exec(gitlabMessage);
    this.transition = m ? { event: m[1] ?? '', from: m[2] ?? '' } : undefined;
  }

  /**
   * True when the status already had the state that was posted (GitLab refuses
   * running → running, pending → pending): the caller's intent is already met.
   */
  get alreadyInState(): boolean {
    const t = this.transition;
    if (!t) return false;
    return EVENT_TARGET[t.event] === t.from;
  }
}

/** The state each state-machine event moves a commit status to. */
const EVENT_TARGET: Record<string, string> = {
  enqueue: 'pending',
  run: 'running',
  success: 'success',
  drop: 'failed',
  cancel: 'canceled',
  skip: 'skipped',
};

/** GitLab answered 2xx with a body that is not what its API documents (wrong URL, proxy page, version drift). */
export class GitLabResponseError extends HangarError {
  override readonly name = 'GitLabResponseError';
}

/** GitLab's TLS certificate could not be verified; retrying will not help until the configuration changes. */
export class GitLabTlsError extends HangarError {
  override readonly name = 'GitLabTlsError';
}

export type GitLabError =
  | GitLabUnavailableError
  | GitLabAuthError
  | GitLabNotFoundError
  | GitLabRejectedError
  | GitLabResponseError
  | GitLabTlsError;
