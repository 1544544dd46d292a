/**
 * Public entry points of the pipeline compiler: `lintPipeline` checks a file
 * without a build, `compile` makes the jobs of one build. Neither throws on
 * any input; every problem is a Diagnostic with a line and column.
 */
import { Diagnostics, START } from './diagnostics.js';
import { trySubstitute } from './envsubst.js';
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
  const raw = parseText(text, opts, new Diagnostics(), true);
  const axes: (Record<string, string> | undefined)[] = [undefined];
  if (raw?.config.format === '0.8' && raw.config.matrix) {
    const expanded = expandMatrix(raw.config.matrix);
    if ('error' in expanded) {
      diags.error(raw.spots.get(raw.config.pipelines[0]!)?.matrix ?? START, `matrix: ${expanded.error}`);
      return [];
    }
    if (expanded.length > 0) axes.splice(0, 1, ...expanded);
  }
  const jobs: JobPlan[] = [];
  for (const axis of axes) {
    const vars = substitutionVariables(ctx, axis);
    const result = trySubstitute(text, (name) => vars[name]);
    if (!result.ok) diags.warn(substitutionPos(result.error), substitutionMessage(result.error));
    const parsed = parseText(result.text, opts, diags, trusted);
    if (!parsed) return [];
    jobs.push(...planJobs(parsed.config, ctx, axis));
  }
  return jobs;
}

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
