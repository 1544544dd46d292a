/**
 * Public entry points of the pipeline compiler: `lintPipeline` checks a file
 * without a build, `compile` makes the jobs of one build. Neither throws on
 * any input; every problem is a Diagnostic with a line and column.
 */
import { Diagnostics, START } from './diagnostics.js';
import { lookupIn, trySubstitute } from './envsubst.js';
import { detectFormat } from './format.js';
import { lintConfig } from './lint.js';
import { expandMatrix } from './matrix.js';
import { substitutionVariables } from './metadata.js';
import { parseV1 } from './parse-v1.js';
import { type Parsed, parseV08 } from './parse-v08.js';
import { planJobs } from './plan.js';
import { checkTrust } from './trust.js';
import type { BuildContext, CompileResult, Diagnostic, JobPlan, PipelineConfig, Position } from './types.js';
import { loadYaml } from './yaml-load.js';

export { formatDiagnostic } from './diagnostics.js';

export interface CompileOptions {
  /** The file's name in messages; '.drone.yml' when not given. */
  file?: string;
  /** Allow options only trusted repositories may use (privileged, host volumes, ...). */
  trusted?: boolean;
  /** Largest file accepted, in bytes; 1 MiB when not given. */
  maxBytes?: number;
}

export interface LintResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  config?: PipelineConfig;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;

/** Checks a pipeline file as written (no `${...}` substitution, no build). */
export function lintPipeline(text: string, opts: CompileOptions = {}): LintResult {
  const diags = new Diagnostics();
  const parsed = guarded(diags, () => parseText(text, opts, diags, opts.trusted ?? false));
  if (parsed) checkSubstitutions(text, diags);
  const { errors, warnings } = diags.sorted();
  const result: LintResult = { ok: errors.length === 0, errors, warnings };
  if (parsed && errors.length === 0) result.config = { ...parsed.config, warnings };
  return result;
}

/**
 * The jobs of one build. 0.8: `matrix:` is read first, then for each axis the
 * text is substituted with that axis's variables and parsed (Drone substitutes
 * before parsing). 1.x: substituted once.
 */
export function compile(text: string, ctx: BuildContext, opts: CompileOptions = {}): CompileResult {
  const diags = new Diagnostics();
  const trusted = opts.trusted ?? ctx.trusted;
  const jobs = guarded(diags, () => compileJobs(text, ctx, opts, trusted, diags)) ?? [];
  const { errors, warnings } = diags.sorted();
  return { ok: errors.length === 0, errors, warnings, jobs: errors.length === 0 ? jobs : [] };
}

function compileJobs(
  text: string,
  ctx: BuildContext,
  opts: CompileOptions,
  trusted: boolean,
  diags: Diagnostics,
): JobPlan[] {
  // Axes differ only where the file uses their variables: parse each distinct text once.
  const cache = new Map<string, { parsed: Parsed | undefined; found: Diagnostics }>();
  const parseOnce = (source: string, asTrusted: boolean) => {
    const key = `${asTrusted}\n${source}`;
    let hit = cache.get(key);
    if (!hit) {
      const found = new Diagnostics();
      hit = { parsed: parseText(source, opts, found, asTrusted), found };
      cache.set(key, hit);
    }
    return hit;
  };
  const axes: (Record<string, string> | undefined)[] = [undefined];
  if (MATRIX_KEY.test(text)) {
    const raw = parseOnce(text, true).parsed;
    if (raw?.config.format === '0.8' && raw.config.matrix) {
      const expanded = expandMatrix(raw.config.matrix);
      if ('error' in expanded) {
        diags.error(raw.spots.get(raw.config.pipelines[0]!)?.matrix ?? START, `matrix: ${expanded.error}`);
        return [];
      }
      if (expanded.length > 0) axes.splice(0, 1, ...expanded);
    }
  }
  // Substitution depends on an axis only through the axis variables the text names.
  const named = new Set(Array.from(text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g), (m) => m[1]));
  const substituted = new Map<string, ReturnType<typeof trySubstitute>>();
  const jobs: JobPlan[] = [];
  for (const axis of axes) {
    const key = JSON.stringify(Object.entries(axis ?? {}).filter(([k]) => named.has(k)));
    let result = substituted.get(key);
    if (!result) {
      // Drone quotes values holding a newline, so a multi-line commit message keeps the YAML intact.
      result = trySubstitute(text, lookupIn(substitutionVariables(ctx, axis)));
      substituted.set(key, result);
    }
    if (!result.ok) diags.warn(substitutionPos(result.error), substitutionMessage(result.error));
    const { parsed, found } = parseOnce(result.text, trusted);
    for (const e of found.errors) diags.errors.push(e);
    for (const w of found.warnings) diags.warnings.push(w);
    if (!parsed || found.failed) return [];
    jobs.push(...planJobs(parsed.config, ctx, axis));
  }
  return jobs;
}

/** A top-level (or one-space indented) `matrix:` key: only then is a 0.8 matrix possible. */
const MATRIX_KEY = /^ ?matrix[ \t]*:/m;

/** Load, detect, parse and lint; undefined when the text is not a pipeline at all. */
function parseText(
  text: string,
  opts: CompileOptions,
  diags: Diagnostics,
  trusted: boolean,
): Parsed | undefined {
  const docs = loadYaml(text, { maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES }, diags);
  if (diags.failed || docs.length === 0) {
    if (!diags.failed) diags.error(START, "the file is empty; add a pipeline ('kind: pipeline' with steps:)");
    return undefined;
  }
  const detected = detectFormat(docs, diags);
  if (!detected) return undefined;
  const parsed = detected.format === '0.8' ? parseV08(detected.root, diags) : parseV1(detected.docs, diags);
  lintConfig(parsed.config, parsed.spots, diags);
  if (!trusted) checkTrust(parsed.config, parsed.spots, parsed.hostPorts, diags);
  if (parsed.config.matrix) {
    const expanded = expandMatrix(parsed.config.matrix);
    if ('error' in expanded)
      diags.error(
        parsed.spots.get(parsed.config.pipelines[0]!)?.matrix ?? START,
        `matrix: ${expanded.error}`,
      );
  }
  return parsed;
}

function checkSubstitutions(text: string, diags: Diagnostics): void {
  const result = trySubstitute(text, () => '');
  if (!result.ok) diags.warn(substitutionPos(result.error), substitutionMessage(result.error));
}

function substitutionPos(error: string): Position {
  const m = /^line (\d+), column (\d+): /.exec(error);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : START;
}

function substitutionMessage(error: string): string {
  return `${error.replace(/^line \d+, column \d+: /, '')}; until then the text is used as written`;
}

/** Runs `fn`; an unexpected exception becomes an error at 1:1 instead of escaping. */
function guarded<T>(diags: Diagnostics, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    diags.error(
      START,
      `the file could not be compiled (${err instanceof Error ? err.message : String(err)}); please report this with the file`,
    );
    return undefined;
  }
}
