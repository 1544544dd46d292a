import { expect } from 'vitest';
import { compile, lintPipeline } from './compile.js';
import { toConstraint } from './conditions.js';
import { testBuild } from './testing.js';
import type { BuildContext, CompileResult, Constraint, Diagnostic, JobPlan, StepSpec } from './types.js';

/** What the compiler's tests share: compiled jobs, steps by name and diagnostics as `line:column message`. */

/** The jobs of a result, failing the test when it has errors. */
export function ok(result: CompileResult): JobPlan[] {
  expect(result.errors).toEqual([]);
  expect(result.ok).toBe(true);
  return result.jobs;
}

/** Compiles a file for a build (a push to master by default), failing the test when it has errors. */
export function jobs(text: string, ctx: BuildContext = testBuild()): JobPlan[] {
  const r = compile(text, ctx);
  expect(r.errors).toEqual([]);
  return r.jobs;
}

/** The step of a job by name, failing the test when there is none. */
export function step(job: JobPlan | undefined, name: string): StepSpec {
  const s = job?.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step ${name}`);
  return s;
}

/** Diagnostics as the user reads them: `line:column message`. */
export function located(list: Diagnostic[]): string[] {
  return list.map((d) => `${d.line}:${d.column} ${d.message}`);
}

/** The errors `hangar lint` reports for a file, located. */
export function lintErrors(text: string, trusted = false): string[] {
  return located(lintPipeline(text, { trusted }).errors);
}

/** A constraint from a raw YAML value, failing the test when it does not parse. */
export function constraint(raw: unknown): Constraint {
  const c = toConstraint(raw);
  if ('error' in c) throw new Error(c.error);
  return c;
}
