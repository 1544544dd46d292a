/**
 * The Drone 0.8 format: one document with `pipeline:` (an ordered map of
 * named steps), and optionally `workspace:`, `clone:`, `services:`,
 * `matrix:`, `branches:`, `labels:`, `platform:`.
 */
import { toConstraint } from './conditions.js';
import { closest, type Diagnostics, didYouMean } from './diagnostics.js';
import { describe, field, isNull, readMap, readString } from './read.js';
import { type KeySpots, readStep, type SpotTable, type StepReadContext } from './step.js';
import type { MatrixDef, PipelineConfig, PipelineDef, StepDef } from './types.js';
import { plainText } from './when.js';
import type { YMap, YNode, YPair } from './yaml-load.js';

export const TOP_KEYS_08 = [
  'workspace',
  'clone',
  'pipeline',
  'services',
  'matrix',
  'branches',
  'labels',
  'platform',
  'networks',
  'volumes',
];

/** Sections of the Drone 0.4 format, which neither 0.8 nor 1.x reads. */
const DRONE_04 = ['build', 'publish', 'deploy', 'notify', 'plugin', 'cache', 'compose'];

export interface Parsed {
  config: PipelineConfig;
  spots: SpotTable;
  /** Extra host ports services map, by service (trusted only). */
  hostPorts: Map<StepDef, number[]>;
}

export function parseV08(root: YMap, diags: Diagnostics): Parsed {
  const spots: SpotTable = new Map();
  const hostPorts = new Map<StepDef, number[]>();
  const top: KeySpots = {};
  const unknown: YPair[] = [];
  for (const p of root.pairs) {
    top[p.key] = p.keyPos;
    if (TOP_KEYS_08.includes(p.key)) continue;
    if (p.value.anchor !== undefined) {
      diags.warn(
        p.keyPos,
        `'${p.key}' is not a pipeline key; it is read only as the holder of the anchor '&${p.value.anchor}'`,
      );
    } else unknown.push(p);
  }
  for (const key of ['networks', 'volumes']) {
    const pos = top[key];
    if (pos && !isNull(field(root, key))) {
      diags.warn(pos, `the top-level '${key}:' section is not supported on Hangar and is ignored`);
    }
  }
  const pipelineNode = field(root, 'pipeline');
  const missing = pipelineNode === undefined || isNull(pipelineNode);
  // Without steps the file cannot run: the unknown key that likely meant to hold them is the error.
  const cited = missing && !top.pipeline ? pipelineHolder(unknown) : undefined;
  if (cited) diags.error(cited.keyPos, noPipelineMessage(cited));
  else if (missing) {
    diags.error(
      top.pipeline ?? root.pos,
      "the 'pipeline:' section has no steps; add at least one named step with an image",
    );
  }
  for (const p of unknown) if (p !== cited) diags.warn(p.keyPos, unknownTopKey(p.key));

  const ctx = (section: 'steps' | 'services' | 'clone'): StepReadContext => ({
    format: '0.8',
    section,
    diags,
    spots,
    strict: true,
    hostPorts,
  });
  const steps = readContainers(pipelineNode, 'pipeline', ctx('steps'), diags);
  const services = readContainers(field(root, 'services'), 'services', ctx('services'), diags);
  const cloneSteps = readContainers(field(root, 'clone'), 'clone', ctx('clone'), diags);
  // Drone 0.5 style: a pipeline step named 'clone' is the clone step.
  const inline = cloneSteps.length === 0 ? steps.findIndex((s) => s.name === 'clone') : -1;
  if (inline >= 0) {
    const [step] = steps.splice(inline, 1);
    cloneSteps.push(step!);
    diags.warn(
      step!.position,
      "the step 'clone' replaces the built-in clone step (Drone 0.5 style); move it to a top-level 'clone:' section",
    );
  }
  if (cloneSteps.length > 1) {
    diags.warn(
      top.clone ?? root.pos,
      `only the first clone step ('${cloneSteps[0]!.name}') is used; remove the others`,
    );
  }

  const workspace = readMap(field(root, 'workspace'), 'workspace', diags);
  const platform = readString(field(root, 'platform'), 'platform', diags) ?? 'linux/amd64';
  const [os = 'linux', arch = 'amd64'] = platform.split('/');
  const pipeline: PipelineDef = {
    name: 'default',
    type: 'docker',
    platform: { os, arch },
    workspace: {
      base: (workspace && readString(field(workspace, 'base'), 'workspace base', diags)) || '/drone',
      path: (workspace && readString(field(workspace, 'path'), 'workspace path', diags)) || '',
    },
    clone: { disable: false, ...(cloneSteps[0] ? { step: cloneSteps[0] } : {}) },
    trigger: readBranches(field(root, 'branches'), diags),
    services,
    steps,
    volumes: {},
    dependsOn: [],
    environment: {},
    imagePullSecrets: [],
    node: {},
    labels: readLabels(field(root, 'labels'), diags),
    position: root.pos,
  };
  spots.set(pipeline, top);
  const config: PipelineConfig = { format: '0.8', pipelines: [pipeline], warnings: [] };
  const matrix = readMatrix(field(root, 'matrix'), diags);
  if (matrix) config.matrix = matrix;
  return { config, spots, hostPorts };
}

/** The warning for an unknown top-level key: Drone 0.8 ignored it, and so does Hangar. */
function unknownTopKey(key: string): string {
  if (DRONE_04.includes(key)) {
    return `'${key}:' is a Drone 0.4 section, which Drone 0.8 ignored and so does Hangar; move what it should do into a step under 'pipeline:'`;
  }
  if (key === 'version') {
    return "unknown key 'version' is ignored, as Drone does; Drone 0.8 files have no version, remove it";
  }
  return `unknown key '${key}' is ignored, as Drone does${didYouMean(key, TOP_KEYS_08)}; remove it or fix its spelling`;
}

/** The unknown key that most likely meant to hold the steps: a misspelt 'pipeline:', else a Drone 0.4 section. */
function pipelineHolder(unknown: YPair[]): YPair | undefined {
  return (
    unknown.find((p) => closest(p.key, TOP_KEYS_08) === 'pipeline') ??
    unknown.find((p) => DRONE_04.includes(p.key))
  );
}

function noPipelineMessage(p: YPair): string {
  const line = p.keyPos.line;
  if (DRONE_04.includes(p.key)) {
    return `the file has no 'pipeline:' section; '${p.key}:' (line ${line}) is a Drone 0.4 section, which Drone 0.8 and Hangar do not read; move its steps under 'pipeline:'`;
  }
  return `the file has no 'pipeline:' section; did you mean 'pipeline' instead of '${p.key}' (line ${line})?`;
}

/** An ordered map of named containers (`pipeline:`, `services:`, `clone:`). */
function readContainers(
  node: YNode | undefined,
  section: string,
  ctx: StepReadContext,
  diags: Diagnostics,
): StepDef[] {
  const out: StepDef[] = [];
  if (node === undefined || isNull(node)) return out;
  if (node.kind !== 'map') {
    diags.error(
      node.pos,
      `'${section}:' must be a mapping of named steps, like 'build:' followed by the step's keys`,
    );
    return out;
  }
  for (const p of node.pairs) {
    if (p.value.kind !== 'map') {
      diags.error(
        p.value.kind === 'scalar' && p.value.value === null ? p.keyPos : p.value.pos,
        `${section} entry '${p.key}' must be a mapping with at least an image, not a ${isNull(p.value) ? 'empty value' : describe(p.value)}`,
      );
      continue;
    }
    const name = readString(field(p.value, 'name'), `'${p.key}' name`, diags) || p.key;
    out.push(readStep(name, p.value, ctx, p.keyPos));
  }
  return out;
}

function readBranches(node: YNode | undefined, diags: Diagnostics): PipelineDef['trigger'] {
  if (node === undefined || isNull(node)) return {};
  const c = toConstraint(plainText(node));
  if ('error' in c) {
    diags.error(node.pos, `branches: ${c.error}`);
    return {};
  }
  return { branch: c };
}

function readLabels(node: YNode | undefined, diags: Diagnostics): Record<string, string> {
  const out: Record<string, string> = {};
  if (node === undefined || isNull(node)) return out;
  if (node.kind === 'seq') {
    for (const item of node.items) {
      const text = item.kind === 'scalar' ? item.text : '';
      const eq = text.indexOf('=');
      if (eq <= 0) {
        diags.error(item.pos, "labels list items must be 'name=value' strings");
        continue;
      }
      out[text.slice(0, eq)] = text.slice(eq + 1);
    }
    return out;
  }
  const map = readMap(node, 'labels', diags);
  for (const p of map?.pairs ?? []) {
    const v = readString(p.value, `label ${p.key}`, diags);
    if (v !== undefined) out[p.key] = v;
  }
  return out;
}

/** `matrix:` — axes (NAME: [values]) and/or `include:` (a list of axis maps). */
function readMatrix(node: YNode | undefined, diags: Diagnostics): MatrixDef | undefined {
  if (node === undefined || isNull(node)) return undefined;
  if (node.kind !== 'map') {
    diags.error(
      node.pos,
      "matrix must be a mapping of axis names to lists of values, or 'include:' with a list",
    );
    return undefined;
  }
  const def: MatrixDef = { axes: {} };
  for (const p of node.pairs) {
    if (p.key === 'include') {
      def.include = readInclude(p.value, diags);
      continue;
    }
    const values = p.value.kind === 'seq' ? p.value.items : [p.value];
    const list: string[] = [];
    for (const v of values) {
      if (v.kind !== 'scalar') {
        diags.error(v.pos, `matrix axis '${p.key}' must list single values`);
        continue;
      }
      if (v.value !== null) list.push(v.text);
    }
    def.axes[p.key] = list;
  }
  return def;
}

function readInclude(node: YNode, diags: Diagnostics): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  if (node.kind !== 'seq') {
    diags.error(node.pos, 'matrix include must be a list of axis mappings, like - GO_VERSION: 1.22');
    return out;
  }
  for (const item of node.items) {
    if (item.kind !== 'map') {
      diags.error(item.pos, 'each matrix include entry must be a mapping of axis names to values');
      continue;
    }
    const axis: Record<string, string> = {};
    for (const p of item.pairs) {
      const v = readString(p.value, `matrix include ${p.key}`, diags);
      if (v !== undefined) axis[p.key] = v;
    }
    out.push(axis);
  }
  return out;
}
