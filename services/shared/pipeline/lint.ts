/**
 * Rules over a parsed PipelineConfig: every container has an image, names are
 * unique, `depends_on` names something that exists and never forms a cycle —
 * between steps and between pipelines.
 */
import { type Diagnostics, didYouMean } from './diagnostics.js';
import { type SpotTable, stepKeys } from './step.js';
import type { PipelineConfig, PipelineDef, Position, StepDef } from './types.js';
import { misspeltKey } from './unknown-keys.js';

export function lintConfig(config: PipelineConfig, spots: SpotTable, diags: Diagnostics): void {
  for (const pipeline of config.pipelines) lintPipelineDef(config, pipeline, spots, diags);
  if (config.format === '1.x') lintPipelineGraph(config.pipelines, spots, diags);
}

function lintPipelineDef(
  config: PipelineConfig,
  pipeline: PipelineDef,
  spots: SpotTable,
  diags: Diagnostics,
): void {
  const docker = pipeline.type === 'docker';
  const v1 = config.format === '1.x';
  if (docker) {
    const check = (kind: string, s: StepDef): void => {
      // An image of the wrong type has had its own error already.
      if (s.image.trim() !== '' || spots.get(s)?.['image:invalid']) return;
      const typo = misspeltKey(spots.get(s), 'image', stepKeys(config.format));
      if (typo) {
        diags.error(
          typo.pos,
          `${kind} '${s.name}' has no image; did you mean 'image' instead of '${typo.key}' (line ${typo.pos.line})?`,
        );
        return;
      }
      diags.error(
        s.position,
        `${kind} '${s.name}' has no image; add 'image: ...' (for example image: alpine:3)`,
      );
    };
    for (const s of pipeline.steps) check('step', s);
    for (const s of pipeline.services) check('service', s);
    if (pipeline.clone.step) check('clone step', pipeline.clone.step);
  }

  const seen = new Map<string, Position | null>();
  if (v1 && !pipeline.clone.disable) seen.set('clone', null);
  for (const s of [...pipeline.steps, ...pipeline.services]) {
    const first = seen.get(s.name);
    if (first !== undefined) {
      const where = first === null ? 'the clone step has that name' : `first at line ${first.line}`;
      diags.error(
        s.position,
        `the step name '${s.name}' is used twice (${where}); give each step a unique name`,
      );
      continue;
    }
    seen.set(s.name, s.position);
  }

  if (!v1) return;
  const names = new Set(pipeline.steps.map((s) => s.name));
  const cloneOk = !pipeline.clone.disable;
  for (const s of pipeline.steps) {
    const at = spots.get(s)?.depends_on ?? s.position;
    for (const dep of s.dependsOn) {
      if (dep === s.name) {
        diags.error(at, `step '${s.name}' depends on itself; remove '${dep}' from its depends_on`);
      } else if (!names.has(dep) && !(dep === 'clone' && cloneOk)) {
        diags.error(
          at,
          `step '${s.name}' depends on '${dep}', which is not a step of pipeline '${pipeline.name}'${didYouMean(dep, [...names])}`,
        );
      }
    }
  }
  // A repeated name has its own error; the graph keeps each name's first step.
  const taken = new Set<string>();
  const firsts = pipeline.steps.filter((s) => !taken.has(s.name) && taken.add(s.name));
  const cycle = findCycle(
    firsts.map((s) => ({ name: s.name, deps: s.dependsOn.filter((d) => d !== s.name) })),
  );
  if (cycle) {
    const first = pipeline.steps.find((s) => s.name === cycle[0]);
    diags.error(
      (first && spots.get(first)?.depends_on) ?? first?.position ?? pipeline.position,
      `steps depend on each other in a circle (${cycle.join(' → ')}); remove one of these depends_on entries`,
    );
  }
}

function lintPipelineGraph(pipelines: PipelineDef[], spots: SpotTable, diags: Diagnostics): void {
  const seen = new Map<string, PipelineDef>();
  const unique: PipelineDef[] = [];
  for (const p of pipelines) {
    const first = seen.get(p.name);
    if (first) {
      diags.error(
        spots.get(p)?.name ?? p.position,
        `the pipeline name '${p.name}' is used twice (first at line ${first.position.line}); give each pipeline a unique name`,
      );
      continue;
    }
    seen.set(p.name, p);
    unique.push(p);
  }
  for (const p of unique) {
    const at = spots.get(p)?.depends_on ?? p.position;
    for (const dep of p.dependsOn) {
      if (dep === p.name)
        diags.error(at, `pipeline '${p.name}' depends on itself; remove '${dep}' from its depends_on`);
      else if (!seen.has(dep)) {
        diags.error(
          at,
          `pipeline '${p.name}' depends on '${dep}', which is not a pipeline in this file${didYouMean(dep, [...seen.keys()])}`,
        );
      }
    }
  }
  const cycle = findCycle(
    unique.map((p) => ({ name: p.name, deps: p.dependsOn.filter((d) => d !== p.name) })),
  );
  if (cycle) {
    const first = unique.find((p) => p.name === cycle[0]);
    diags.error(
      (first && spots.get(first)?.depends_on) ?? first?.position ?? { line: 1, column: 1 },
      `pipelines depend on each other in a circle (${cycle.join(' → ')}); remove one of these depends_on entries`,
    );
  }
}

/** A dependency cycle as a list of names ending where it began, or undefined. Unknown names are skipped. */
export function findCycle(nodes: { name: string; deps: string[] }[]): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.name, n.deps]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'open') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'open');
    stack.push(name);
    for (const d of deps.get(name) ?? []) {
      if (!deps.has(d)) continue;
      const found = visit(d);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const found = visit(n.name);
    if (found) return found;
  }
  return undefined;
}
