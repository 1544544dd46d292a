/**
 * Drone's condition rules for `when:` (steps), `trigger:` (1.x pipelines) and
 * `branches:` (0.8 files), after cncd/pipeline `pipeline/frontend/yaml/constraint.go`
 * (Drone 0.8) and drone/drone-yaml `yaml/cond.go` (Drone 1.x), which agree:
 *
 * - a value matches a constraint when it matches no exclude pattern and either
 *   matches an include pattern or the include list is empty;
 * - patterns are globs (see ./glob.ts): doublestar rules for 1.x files, Go's
 *   filepath.Match for 0.8 files (MatchContext.glob says which);
 * - every field present must match (logical AND across fields);
 * - `status` is not a filter but decides when a step runs (see statusRuns).
 */
import { type GlobDialect, globDialect, globMatch } from './glob.js';
import { buildBranch } from './metadata.js';
import type { BuildContext, Conditions, Constraint } from './types.js';

export interface MatchContext {
  branch: string;
  event: string;
  ref: string;
  repo: string;
  status: 'success' | 'failure';
  /** 'linux/amd64' */
  platform: string;
  instance: string;
  environment: string;
  target: string;
  cron: string;
  action: string;
  matrix?: Record<string, string>;
  /** Glob rules: 'doublestar' (Drone 1.x, the default) or 'filepath' (Drone 0.8). */
  glob?: GlobDialect;
}

/** Empty/absent constraint matches everything; exclude wins; glob patterns. */
export function matchConstraint(
  c: Constraint | undefined,
  value: string,
  dialect: GlobDialect = 'doublestar',
): boolean {
  if (c === undefined) return true;
  if (c.exclude.some((pattern) => globMatch(pattern, value, dialect))) return false;
  if (c.include.length === 0) return true;
  return c.include.some((pattern) => globMatch(pattern, value, dialect));
}

/** Whether a constraint says anything at all. */
export function isEmptyConstraint(c: Constraint | undefined): boolean {
  return c === undefined || (c.include.length === 0 && c.exclude.length === 0);
}

/** The string fields of Conditions, in the order their mismatch is reported. */
const FIELDS = [
  'event',
  'branch',
  'ref',
  'repo',
  'platform',
  'instance',
  'environment',
  'target',
  'cron',
  'action',
] as const satisfies readonly (keyof Conditions & keyof MatchContext)[];

/** Evaluates every field except status; reason is a sentence like "branch 'dev' does not match [master, release/*]". */
export function evaluateConditions(c: Conditions, ctx: MatchContext): { match: boolean; reason?: string } {
  for (const field of FIELDS) {
    const constraint = c[field];
    const value = ctx[field];
    if (!matchConstraint(constraint, value, ctx.glob)) {
      return { match: false, reason: mismatchReason(field, value, constraint as Constraint, ctx.glob) };
    }
  }
  const matrix: MatrixConstraint = { include: c.matrix ?? {}, exclude: c.matrixExclude ?? {} };
  if (!matchMatrix(matrix, ctx.matrix ?? {})) {
    return { match: false, reason: matrixReason(matrix, ctx.matrix ?? {}) };
  }
  return { match: true };
}

function mismatchReason(field: string, value: string, c: Constraint, dialect?: GlobDialect): string {
  const shown = value === '' ? `${field} (empty)` : `${field} '${value}'`;
  const excluded = c.exclude.find((pattern) => globMatch(pattern, value, dialect));
  if (excluded !== undefined) return `${shown} is excluded by ${listText(c.exclude)}`;
  return `${shown} does not match ${listText(c.include)}`;
}

function listText(patterns: string[]): string {
  return `[${patterns.join(', ')}]`;
}

function matrixReason(c: MatrixConstraint, axis: Record<string, string>): string {
  const excluded = Object.entries(c.exclude);
  if (excluded.length > 0 && excluded.every(([key, val]) => (axis[key] ?? '') === val)) {
    return `matrix ${pairsText(excluded)} is excluded`;
  }
  const wrong = Object.entries(c.include).find(([key, val]) => (axis[key] ?? '') !== val);
  if (wrong === undefined) return 'matrix axis does not match';
  const [key, val] = wrong;
  const have = axis[key];
  return have === undefined
    ? `matrix ${key} is not set, the step wants ${key}=${val}`
    : `matrix ${key}=${have} does not match ${key}=${val}`;
}

function pairsText(pairs: [string, string][]): string {
  return pairs.map(([key, val]) => `${key}=${val}`).join(' ');
}

/**
 * The branch that `branch:` conditions are matched against.
 *
 * - Merge requests: the target branch (drone/drone `trigger/trigger.go` matches
 *   `base.Target`, which is the pull request's target).
 * - Tags: none (''). Drone 1.x takes a tag build's branch from the push hook's
 *   `base_ref` (drone/drone `service/hook/parser`), which GitLab's tag push hook
 *   does not carry, and its documentation says "you cannot use branch triggers
 *   with tags". So `branch: [master]` never matches a tag build and
 *   `branch: {exclude: [...]}` always does.
 * - Otherwise the pushed branch.
 */
export function conditionBranch(ctx: BuildContext): string {
  if (ctx.build.event === 'tag') return '';
  return buildBranch(ctx);
}

/** The values conditions are matched against for a build, a platform and (0.8) a matrix axis. */
export function matchContextFor(
  ctx: BuildContext,
  platform: { os: string; arch: string },
  matrix?: Record<string, string>,
  format: '0.8' | '1.x' = '1.x',
): MatchContext {
  const out: MatchContext = {
    branch: conditionBranch(ctx),
    event: ctx.build.event,
    ref: ctx.commit.ref,
    repo: ctx.repo.slug,
    status: ctx.status ?? 'success',
    platform: `${platform.os}/${platform.arch}`,
    instance: ctx.instance ?? ctx.system?.host ?? '',
    environment: ctx.build.deployTo ?? '',
    target: ctx.build.deployTo ?? '',
    cron: ctx.build.cron ?? '',
    action: ctx.build.action ?? '',
    glob: globDialect(format),
  };
  if (matrix !== undefined) out.matrix = matrix;
  return out;
}

/**
 * Evaluates a pipeline's `trigger:` (1.x) or top-level `branches:` (0.8, held in
 * `trigger.branch`). Drone 0.8 ignores `branches:` for tag and deployment builds
 * (drone/drone v0.8 `server/hook.go`: `!branches.Match(build.Branch) &&
 * build.Event != model.EventTag && build.Event != model.EventDeploy`).
 */
export function evaluateTrigger(
  c: Conditions,
  ctx: MatchContext,
  format: '0.8' | '1.x',
): { match: boolean; reason?: string } {
  if (format === '0.8' && (ctx.event === 'tag' || ctx.event === 'deployment')) {
    const { branch: _ignored, ...rest } = c;
    return evaluateConditions(rest, ctx);
  }
  return evaluateConditions(c, ctx);
}

/**
 * Drone's status rule: no status => runs on success only; status: [failure] => only
 * after a failure; both => always. As in cncd/pipeline's compiler and drone/drone's
 * trigger: onSuccess = status matches 'success'; onFailure = status is given and
 * matches 'failure'.
 */
export function statusRuns(c: Conditions): { onSuccess: boolean; onFailure: boolean } {
  const status = c.status;
  const onSuccess = matchConstraint(status, 'success');
  const onFailure = !isEmptyConstraint(status) && matchConstraint(status, 'failure');
  return { onSuccess, onFailure };
}

/** The 0.8 `matrix:` condition with include and exclude maps (cncd ConstraintMap). */
export interface MatrixConstraint {
  include: Record<string, string>;
  exclude: Record<string, string>;
}

/**
 * cncd ConstraintMap.Match: excluded when every exclude pair matches the axis;
 * otherwise every include pair must equal the axis value. Values compare
 * exactly (no globs), as in Drone 0.8.
 */
export function matchMatrix(c: MatrixConstraint, axis: Record<string, string>): boolean {
  const include = Object.entries(c.include);
  const exclude = Object.entries(c.exclude);
  if (include.length === 0 && exclude.length === 0) return true;
  // Go's map lookup gives '' for a missing key, so an axis without the key equals ''.
  if (exclude.length > 0 && exclude.every(([key, val]) => (axis[key] ?? '') === val)) return false;
  return include.every(([key, val]) => (axis[key] ?? '') === val);
}

/**
 * Turns a raw YAML value (string | string[] | {include, exclude} | null) into a Constraint, or an error sentence.
 * As Drone's UnmarshalYAML does, `include:` and `exclude:` each take a string or a list.
 * Numbers and booleans are taken as their text (`event: 1` is '1').
 */
export function toConstraint(raw: unknown): Constraint | { error: string } {
  if (raw === null || raw === undefined) return { include: [], exclude: [] };
  const list = toStringList(raw);
  if (list !== null) return { include: list, exclude: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { error: 'expected a string, a list of strings or a map with include and exclude' };
  }
  const map = raw as Record<string, unknown>;
  const unknownKey = Object.keys(map).find((key) => key !== 'include' && key !== 'exclude');
  if (unknownKey !== undefined) {
    return {
      error: `unknown key '${unknownKey}'; use include and exclude, each a string or a list of strings`,
    };
  }
  const include = map.include === null || map.include === undefined ? [] : toStringList(map.include);
  if (include === null) return { error: 'include must be a string or a list of strings' };
  const exclude = map.exclude === null || map.exclude === undefined ? [] : toStringList(map.exclude);
  if (exclude === null) return { error: 'exclude must be a string or a list of strings' };
  return { include, exclude };
}

/** A scalar or a list of scalars as strings; null when the value is neither. */
function toStringList(raw: unknown): string[] | null {
  const scalar = scalarText(raw);
  if (scalar !== null) return [scalar];
  if (!Array.isArray(raw)) return null;
  const out: string[] = [];
  for (const item of raw) {
    if (item === null || item === undefined) continue;
    const text = scalarText(item);
    if (text === null) return null;
    out.push(text);
  }
  return out;
}

function scalarText(raw: unknown): string | null {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') return String(raw);
  return null;
}

/**
 * Turns a raw 0.8 `matrix:` condition into include/exclude maps (cncd
 * ConstraintMap.UnmarshalYAML): a plain map is the include list; `include:` and
 * `exclude:` keys hold maps.
 */
export function toMatrixConstraint(raw: unknown): MatrixConstraint | { error: string } {
  if (raw === null || raw === undefined) return { include: {}, exclude: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { error: 'matrix must be a map of axis names to values, like { GO_VERSION: 1.22 }' };
  }
  const out: MatrixConstraint = { include: {}, exclude: {} };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'include' || key === 'exclude') {
      const pairs = toPairs(value);
      if (pairs === null) return { error: `matrix ${key} must be a map of axis names to values` };
      Object.assign(out[key], pairs);
      continue;
    }
    const text = scalarText(value);
    if (text === null) return { error: `matrix ${key} must be a single value` };
    out.include[key] = text;
  }
  return out;
}

function toPairs(raw: unknown): Record<string, string> | null {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return null;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const text = scalarText(value);
    if (text === null) return null;
    out[key] = text;
  }
  return out;
}
