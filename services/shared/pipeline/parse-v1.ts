/**
 * The Drone 1.x format: one or more YAML documents. `kind: pipeline`
 * documents are pipelines (`steps:` list, `trigger:`, `services:`,
 * `volumes:`, ...); `kind: secret`, `signature` and `template` documents are
 * accepted and are not pipelines.
 */
import { type Diagnostics, didYouMean } from './diagnostics.js';
import type { Parsed } from './parse-v08.js';
import {
  describe,
  field,
  isNull,
  pair,
  readBool,
  readInt,
  readMap,
  readString,
  readStringList,
} from './read.js';
import { type KeySpots, readStep, type SpotTable, type StepReadContext } from './step.js';
import { type PipelineVolumes, readEnvironment } from './step-fields.js';
import type { PipelineConfig, PipelineDef, StepDef } from './types.js';
import { misspeltPair, noStepsCause, unknownPipelineKey } from './unknown-keys.js';
import { readConditions } from './when.js';
import type { YDoc, YMap, YNode, YPair } from './yaml-load.js';

export const PIPELINE_KEYS_1X = [
  'version',
  'kind',
  'type',
  'name',
  'depends_on',
  'clone',
  'concurrency',
  'node',
  'platform',
  'trigger',
  'environment',
  'services',
  'steps',
  'volumes',
  'image_pull_secrets',
  'workspace',
];
const OTHER_KINDS = ['secret', 'signature', 'template', 'cron', 'registry'];
const OS = ['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'dragonfly', 'solaris'];
const ARCH = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x'];

export function parseV1(docs: YDoc[], diags: Diagnostics): Parsed {
  const spots: SpotTable = new Map();
  const hostPorts = new Map<StepDef, number[]>();
  const config: PipelineConfig = { format: '1.x', pipelines: [], warnings: [] };
  for (const doc of docs) {
    if (doc.root === null) continue;
    if (doc.root.kind !== 'map') {
      diags.error(
        doc.root.pos,
        `a document must be a mapping starting with 'kind: pipeline', not a ${describe(doc.root)}`,
      );
      continue;
    }
    const kindPair = pair(doc.root, 'kind');
    const kind = readString(kindPair?.value, 'kind', diags);
    if (!kindPair || !kind) {
      const typo = kindPair ? undefined : misspeltPair(doc.root.pairs, 'kind', PIPELINE_KEYS_1X);
      if (typo) {
        diags.error(
          typo.keyPos,
          `this document has no 'kind'; did you mean 'kind' instead of '${typo.key}' (line ${typo.keyPos.line})?`,
        );
      } else diags.error(doc.root.pos, "this document has no 'kind'; add 'kind: pipeline' at its top");
      continue;
    }
    if (kind.toLowerCase() !== 'pipeline') {
      if (!OTHER_KINDS.includes(kind.toLowerCase())) {
        diags.error(
          kindPair.value.pos,
          `unknown kind '${kind}'${didYouMean(kind, ['pipeline', ...OTHER_KINDS])}; documents are kind pipeline, secret, signature or template`,
        );
      }
      continue;
    }
    if (kind !== 'pipeline')
      diags.warn(kindPair.value.pos, `write 'kind: pipeline' in lower case (found '${kind}')`);
    config.pipelines.push(readPipeline(doc.root, diags, spots, hostPorts));
  }
  if (config.pipelines.length === 0 && !diags.failed) {
    diags.error(
      docs[0]?.pos ?? { line: 1, column: 1 },
      "the file has no 'kind: pipeline' document; add one with a steps: list",
    );
  }
  return { config, spots, hostPorts };
}

function readPipeline(
  root: YMap,
  diags: Diagnostics,
  spots: SpotTable,
  hostPorts: Map<StepDef, number[]>,
): PipelineDef {
  const top: KeySpots = {};
  for (const p of root.pairs) top[p.key] = p.keyPos;
  const name = readString(field(root, 'name'), 'pipeline name', diags) || 'default';
  const what = `pipeline '${name}'`;
  const type = (readString(field(root, 'type'), `${what}: type`, diags) || 'docker').toLowerCase();
  const docker = type === 'docker';
  const unknown: YPair[] = [];
  if (docker) {
    for (const p of root.pairs) {
      if (PIPELINE_KEYS_1X.includes(p.key)) continue;
      if (p.value.anchor !== undefined) {
        diags.warn(
          p.keyPos,
          `'${p.key}' is not a pipeline key; it is read only as the holder of the anchor '&${p.value.anchor}'`,
        );
      } else unknown.push(p);
    }
  }
  const volumes = readPipelineVolumes(field(root, 'volumes'), what, diags, docker, top);
  const ctx = (section: 'steps' | 'services'): StepReadContext => ({
    format: '1.x',
    section,
    diags,
    spots,
    volumes,
    strict: docker,
    hostPorts,
  });
  const stepsNode = field(root, 'steps');
  const steps = readStepList(stepsNode, `${what}: steps`, ctx('steps'), diags);
  let cited: YPair | undefined;
  if ((stepsNode === undefined || isNull(stepsNode)) && docker) {
    const cause = noStepsCause(what, unknown, PIPELINE_KEYS_1X);
    cited = cause?.pair;
    if (cause) diags.error(cause.pair.keyPos, cause.message);
    else diags.error(top.steps ?? root.pos, `${what} has no steps; add a 'steps:' list`);
  }
  for (const p of unknown) {
    if (p !== cited) diags.warn(p.keyPos, unknownPipelineKey(what, p.key, PIPELINE_KEYS_1X));
  }
  const services = readStepList(field(root, 'services'), `${what}: services`, ctx('services'), diags);

  const clone = readMap(field(root, 'clone'), `${what}: clone`, diags);
  const platform = readMap(field(root, 'platform'), `${what}: platform`, diags);
  const workspace = readMap(field(root, 'workspace'), `${what}: workspace`, diags);
  const concurrency = readMap(field(root, 'concurrency'), `${what}: concurrency`, diags);
  const os = (platform && readString(field(platform, 'os'), `${what}: platform os`, diags)) || 'linux';
  const arch = (platform && readString(field(platform, 'arch'), `${what}: platform arch`, diags)) || 'amd64';
  if (docker && platform) checkPlatform(platform, os, arch, what, diags);

  const def: PipelineDef = {
    name,
    type,
    platform: { os, arch },
    workspace: {
      base: (workspace && readString(field(workspace, 'base'), `${what}: workspace base`, diags)) || '',
      path: (workspace && readString(field(workspace, 'path'), `${what}: workspace path`, diags)) || '',
    },
    clone: {
      disable: (clone && readBool(field(clone, 'disable'), `${what}: clone disable`, diags)) || false,
    },
    trigger: readConditions(field(root, 'trigger'), `trigger of ${what}`, diags, {
      matrix: false,
      subject: 'pipeline',
    }),
    services,
    steps,
    volumes,
    dependsOn: readStringList(field(root, 'depends_on'), `${what}: depends_on`, diags, false) ?? [],
    environment: readEnvironment(field(root, 'environment'), `${what} environment`, diags, '1.x'),
    imagePullSecrets:
      readStringList(field(root, 'image_pull_secrets'), `${what}: image_pull_secrets`, diags, false) ?? [],
    node: readNode(field(root, 'node'), what, diags),
    labels: {},
    position: root.pos,
  };
  const depth = clone && readInt(field(clone, 'depth'), `${what}: clone depth`, diags);
  if (depth !== undefined && depth !== null) def.clone.depth = depth;
  const limit = concurrency && readInt(field(concurrency, 'limit'), `${what}: concurrency limit`, diags);
  if (limit !== undefined && limit !== null) def.concurrency = limit;
  if (docker && clone) {
    for (const p of clone.pairs) {
      if (!['disable', 'depth', 'retries', 'skip_verify', 'trace'].includes(p.key)) {
        diags.warn(
          p.keyPos,
          `${what}: unknown clone option '${p.key}' is ignored, as Drone does${didYouMean(p.key, ['disable', 'depth', 'skip_verify', 'retries', 'trace'])}`,
        );
      }
    }
  }
  spots.set(def, top);
  return def;
}

function checkPlatform(platform: YMap, os: string, arch: string, what: string, diags: Diagnostics): void {
  const osNode = field(platform, 'os');
  if (osNode && !OS.includes(os))
    diags.error(osNode.pos, `${what}: unknown platform os '${os}'${didYouMean(os, OS)}`);
  const archNode = field(platform, 'arch');
  if (archNode && !ARCH.includes(arch)) {
    diags.error(archNode.pos, `${what}: unknown platform arch '${arch}'${didYouMean(arch, ARCH)}`);
  }
}

function readStepList(
  node: YNode | undefined,
  what: string,
  ctx: StepReadContext,
  diags: Diagnostics,
): StepDef[] {
  const out: StepDef[] = [];
  if (node === undefined || isNull(node)) return out;
  if (node.kind !== 'seq') {
    diags.error(node.pos, `${what} must be a list of steps, each starting with '- name: ...'`);
    return out;
  }
  for (const item of node.items) {
    if (item.kind !== 'map') {
      diags.error(item.pos, `${what} must be a list of steps, each a mapping starting with '- name: ...'`);
      continue;
    }
    const name = readString(field(item, 'name'), `${what} name`, diags);
    if (!name) {
      diags.error(item.pos, `${what}: this step has no name; add 'name: ...'`);
      continue;
    }
    if (name.length > 100)
      diags.error(
        item.pos,
        `${what}: the step name '${name.slice(0, 20)}...' is over 100 characters; shorten it`,
      );
    out.push(readStep(name, item, ctx, item.pos));
  }
  return out;
}

/** Pipeline volumes by name; their places go into `top` as 'volume:NAME' (host) and 'memory:NAME' (in-memory temp). */
function readPipelineVolumes(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  docker: boolean,
  top: KeySpots,
): PipelineVolumes {
  const out: PipelineVolumes = {};
  if (node === undefined || isNull(node)) return out;
  if (node.kind !== 'seq') {
    diags.error(
      node.pos,
      `${what}: volumes must be a list of '- name: NAME' entries with 'host:' or 'temp:'`,
    );
    return out;
  }
  for (const item of node.items) {
    if (item.kind !== 'map') {
      diags.error(
        item.pos,
        `${what}: volumes must be a list of '- name: NAME' entries with 'host:' or 'temp:'`,
      );
      continue;
    }
    const name = readString(field(item, 'name'), `${what}: volume name`, diags);
    if (!name) {
      diags.error(item.pos, `${what}: this volume has no name; add 'name: ...'`);
      continue;
    }
    if (['workspace', '_workspace', '_docker_socket'].includes(name)) {
      diags.error(item.pos, `${what}: the volume name '${name}' is reserved; choose another name`);
      continue;
    }
    const host = readMap(field(item, 'host'), `${what}: volume '${name}' host`, diags);
    const temp = field(item, 'temp');
    if (host) {
      const path = readString(field(host, 'path'), `${what}: volume '${name}' host path`, diags);
      if (!path) diags.error(host.pos, `${what}: volume '${name}' needs 'host: path: /some/path'`);
      else {
        out[name] = { hostPath: path };
        top[`volume:${name}`] = item.pos;
      }
    } else if (temp !== undefined) {
      out[name] = { temp: true };
      const medium =
        temp.kind === 'map'
          ? readString(field(temp, 'medium'), `${what}: volume '${name}' medium`, diags)
          : '';
      if (medium === 'memory') top[`memory:${name}`] = item.pos;
    } else if (docker) {
      diags.error(item.pos, `${what}: volume '${name}' needs 'host: {path: ...}' or 'temp: {}'`);
    }
  }
  return out;
}

function readNode(node: YNode | undefined, what: string, diags: Diagnostics): Record<string, string> {
  const out: Record<string, string> = {};
  const map = readMap(node, `${what}: node`, diags);
  for (const p of map?.pairs ?? []) {
    const v = readString(p.value, `${what}: node ${p.key}`, diags);
    if (v !== undefined) out[p.key] = v;
  }
  return out;
}
