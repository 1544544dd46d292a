import {
  GitLabAuthError,
  type GitLabError,
  GitLabNotFoundError,
  GitLabRejectedError,
  GitLabResponseError,
  GitLabTlsError,
  GitLabUnavailableError,
} from './errors.js';
import { HttpFailure } from './transport.js';

/** What a call needs from the token, so a 403 can say what to fix. */
export interface Requirement {
  /** Human words for the call: "post a commit status". */
  action: string;
  /** What it acts on: "project group/app", "merge request !3 of group/app". */
  target: string;
  /** The token scope GitLab requires for it. */
  scope: 'api' | 'read_api' | 'read_user';
  /** The least project role that may do it, when a role matters. */
  role?: 'Guest' | 'Reporter' | 'Developer' | 'Maintainer';
}

export interface MapContext extends Requirement {
  /** GitLab's address as configured (DRONE_GITLAB_URL). */
  host: string;
  /** The variable the token came from, named in auth errors. */
  tokenVariable: string;
}

/** Turns anything a gitbeaker call threw into one of the adapter's error types. */
export function mapGitLabError(err: unknown, ctx: MapContext): GitLabError {
  if (
    err instanceof GitLabUnavailableError ||
    err instanceof GitLabAuthError ||
    err instanceof GitLabNotFoundError ||
    err instanceof GitLabRejectedError ||
    err instanceof GitLabResponseError ||
    err instanceof GitLabTlsError
  ) {
    return err;
  }
  if (err instanceof HttpFailure) return mapHttpFailure(err, ctx);
  const tls = tlsCode(err);
  if (tls !== undefined) {
    return new GitLabTlsError(
      `GitLab at ${ctx.host} presented a TLS certificate Hangar cannot verify (${tls}); install its CA certificate (NODE_EXTRA_CA_CERTS) or set DRONE_GITLAB_SKIP_VERIFY=true for a self-signed GitLab.`,
      { cause: err },
    );
  }
  const code = networkCode(err);
  if (code !== undefined) {
    return new GitLabUnavailableError(
      `GitLab at ${ctx.host} could not be reached (${code}) to ${ctx.action}; Hangar retries later — if it persists, check DRONE_GITLAB_URL and the network.`,
      { cause: err },
    );
  }
  return new GitLabResponseError(
    `GitLab at ${ctx.host} gave an answer Hangar could not read when asked to ${ctx.action}; check that DRONE_GITLAB_URL points at GitLab itself.`,
    { cause: err },
  );
}

function mapHttpFailure(f: HttpFailure, ctx: MapContext): GitLabError {
  const s = f.status;
  const said = f.gitlabMessage;
  if (s === 429 || s === 409 || s >= 500) {
    const why =
      s === 429 ? 'is rate-limiting Hangar' : s === 409 ? 'reported a conflicting update' : 'is unavailable';
    return new GitLabUnavailableError(
      `GitLab at ${ctx.host} ${why} (HTTP ${s}) when asked to ${ctx.action} on ${ctx.target}; Hangar retries later.`,
      { status: s, retryAfterMs: retryAfterMs(f.headers['retry-after']), cause: f },
    );
  }
  if (s === 401) {
    return new GitLabAuthError(
      `GitLab at ${ctx.host} rejected the token in ${ctx.tokenVariable} (401 ${said || 'Unauthorized'}); create a new access token for the bot user and set ${ctx.tokenVariable}.`,
      401,
      { cause: f },
    );
  }
  if (s === 403) {
    const scope = scopeFrom(f) ?? ctx.scope;
    const role = ctx.role ? ` and the bot user needs the ${ctx.role} role (or higher) on ${ctx.target}` : '';
    return new GitLabAuthError(
      `GitLab refused to let the token in ${ctx.tokenVariable} ${ctx.action} on ${ctx.target} (403): the token needs the '${scope}' scope${role}.`,
      403,
      { cause: f },
    );
  }
  if (s === 404) {
    return new GitLabNotFoundError(
      `GitLab found nothing to ${ctx.action} on ${ctx.target} (${said || '404 Not Found'}); check that it exists and that the bot user can see it.`,
      said,
      { cause: f },
    );
  }
  return new GitLabRejectedError(
    `GitLab refused to ${ctx.action} on ${ctx.target} (HTTP ${s}): ${said || 'no reason given'}.`,
    s,
    said,
    { cause: f },
  );
}

/** `Retry-After` is either seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** GitLab's insufficient-scope answer names the scope it wanted. */
function scopeFrom(f: HttpFailure): string | undefined {
  const body = f.json;
  if (body && typeof body === 'object') {
    const scope = (body as Record<string, unknown>).scope;
    if (typeof scope === 'string' && scope !== '') return scope;
  }
  const header = f.headers['www-authenticate'];
  const m = header ? /scope="([^"]+)"/.exec(header) : null;
  return m?.[1];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function tlsCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const o = e as { code?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && TLS_CODES.has(o.code)) return o.code;
    e = o.cause;
  }
  return undefined;
}

/** The error code of a failed connection or a timed-out request, if that is what `err` is. */
function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const o = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (o.name === 'TimeoutError' || o.name === 'AbortError') return 'timed out';
    if (typeof o.code === 'string' && NETWORK_CODES.has(o.code)) return o.code;
    if (o.name === 'GitbeakerTimeoutError') return 'timed out';
    e = o.cause;
  }
  return undefined;
}
