/**
 * One step (or service, or 0.8 clone step) from its YAML mapping to a StepDef,
 * for both formats. The formats differ in a few places: 0.8 takes unknown keys
 * as plugin settings and accepts single strings where lists are meant; 1.x
 * has `settings:`, `depends_on:` and `from_secret`, and ignores unknown keys
 * with a warning, as Drone's YAML decoding silently did.
 */
import { closest, type Diagnostics, didYouMean } from './diagnostics.js';
import { field, isNull, readBool, readString, readStringList } from './read.js';
import {
  type PipelineVolumes,
  readDevices,
  readEnvironment,
  readPorts,
  readSecrets,
  readSettings,
  readVolumes1,
  readVolumes08,
} from './step-fields.js';
import type { Position, PullPolicy, SecretRef, StepDef } from './types.js';
import { parseBytes, shellWords } from './units.js';
import { unknownStepKey } from './unknown-keys.js';
import { readConditions } from './when.js';
import type { YMap, YNode, YPair } from './yaml-load.js';

/** Where each key of a step or pipeline was written, for messages about it. */
export type KeySpots = Record<string, Position>;
export type SpotTable = Map<object, KeySpots>;

export type Section = 'steps' | 'services' | 'clone';

export interface StepReadContext {
  format: '0.8' | '1.x';
  section: Section;
  diags: Diagnostics;
  spots: SpotTable;
  /** 1.x pipeline volumes, for mounts and devices. */
  volumes?: PipelineVolumes;
  /** False for 1.x pipelines of another type (exec, ssh, ...): their keys are not checked. */
  strict: boolean;
  /** Extra host ports a service maps (trusted only). */
  hostPorts?: Map<StepDef, number[]>;
}

const COMMON = [
  'name',
  'image',
  'pull',
  'commands',
  'command',
  'entrypoint',
  'environment',
  'when',
  'detach',
  'privileged',
  'volumes',
  'network_mode',
  'extra_hosts',
  'devices',
  'mem_limit',
  'shm_size',
  'failure',
  'ports',
  'dns',
  'dns_search',
  'memswap_limit',
];
const ONLY_08 = ['secrets', 'group'];
const ONLY_1X = ['settings', 'depends_on', 'user', 'working_dir'];
/** Read, then ignored with a warning: Hangar's runner has no use for them. */
const IGNORED_08 = [
  'cap_add',
  'cap_drop',
  'cpu_quota',
  'cpuset',
  'cpu_shares',
  'ipc_mode',
  'isolation',
  'labels',
  'mem_swappiness',
  'networks',
  'sysctls',
  'tmpfs',
  'ulimits',
  'auth_config',
];
const IGNORED_1X = ['shell'];
/** Options whose effect Hangar does not apply (they are still checked for trust). */
const NOT_APPLIED = ['dns', 'dns_search', 'memswap_limit'];

/** Keys that belong under `when:`, often written one level too high. */
const CONDITION_KEYS = [
  'branch',
  'event',
  'status',
  'ref',
  'repo',
  'environment',
  'matrix',
  'platform',
  'instance',
];

export const STEP_KEYS_1X = [...COMMON, ...ONLY_1X];
/** Every key a step of the format reads (0.8 plugin settings aside). */
export function stepKeys(format: '0.8' | '1.x'): string[] {
  return format === '0.8' ? [...COMMON, ...ONLY_08, ...IGNORED_08] : [...STEP_KEYS_1X, ...IGNORED_1X];
}

export function readStep(name: string, node: YMap, ctx: StepReadContext, pos: Position): StepDef {
  const { diags, format } = ctx;
  const what = `${ctx.section === 'services' ? 'service' : ctx.section === 'clone' ? 'clone step' : 'step'} '${name}'`;
  const spots: KeySpots = {};
  for (const p of node.pairs) spots[p.key] = p.keyPos;
  const known = new Set([...COMMON, ...(format === '0.8' ? ONLY_08 : ONLY_1X)]);
  const settingsPairs: YPair[] = [];
  const unknown: YPair[] = [];

  for (const p of node.pairs) {
    if (known.has(p.key)) {
      if (NOT_APPLIED.includes(p.key) && !isNull(p.value)) {
        diags.warn(p.keyPos, `${what}: '${p.key}' is not supported on Hangar and is ignored`);
      }
      continue;
    }
    if (format === '0.8') {
      if (IGNORED_08.includes(p.key)) {
        diags.warn(p.keyPos, `${what}: '${p.key}' is not supported on Hangar and is ignored`);
        continue;
      }
      settingsPairs.push(p);
      continue;
    }
    if (!ctx.strict || IGNORED_1X.includes(p.key)) continue;
    unknown.push(p);
  }

  const secrets: SecretRef[] =
    format === '0.8' ? readSecrets(field(node, 'secrets'), `${what} secrets`, diags) : [];
  const settingsNode = format === '1.x' ? field(node, 'settings') : undefined;
  if (settingsNode && !isNull(settingsNode) && settingsNode.kind !== 'map') {
    diags.error(settingsNode.pos, `${what}: settings must be a mapping of 'name: value' lines`);
  }
  const settings = readSettings(
    format === '0.8' ? settingsPairs : settingsNode?.kind === 'map' ? settingsNode.pairs : [],
    `${what} settings`,
    diags,
    secrets,
  );

  const scalarOk = format === '0.8';
  const commandsNode = field(node, 'commands');
  const commands = readStringList(commandsNode, `${what}: commands`, diags, scalarOk) ?? [];
  if (format === '0.8' && commands.length > 0 && settingsPairs.length > 0) {
    const first = settingsPairs[0]!.key;
    const hint = CONDITION_KEYS.includes(first)
      ? `; '${first}' is a condition, move it under 'when:'`
      : didYouMean(first, [...COMMON, ...ONLY_08]);
    diags.error(
      settingsPairs[0]!.keyPos,
      `${what} has commands and plugin settings (${settingsPairs.map((p) => p.key).join(', ')}); a step is either commands or a plugin, remove one or fix the key's spelling${hint}`,
    );
  }

  const imageNode = field(node, 'image');
  const image = readString(imageNode, `${what}: image`, diags);
  if (imageNode && image === undefined) spots['image:invalid'] = imageNode.pos;
  for (const p of unknown) {
    // A step without an image is refused, and that error names the misspelt key.
    if (closest(p.key, STEP_KEYS_1X) === 'image' && !image?.trim()) continue;
    diags.warn(
      p.keyPos,
      unknownStepKey(what, p.key, STEP_KEYS_1X, (key) => field(node, key) !== undefined),
    );
  }
  const step: StepDef = {
    name,
    image: image ?? '',
    pull: readPull(field(node, 'pull'), what, diags, format),
    commands,
    environment: readEnvironment(field(node, 'environment'), `${what} environment`, diags, format),
    secrets,
    settings,
    when: readConditions(field(node, 'when'), `when of ${what}`, diags, {
      matrix: format === '0.8',
      subject: ctx.section === 'services' ? 'service' : 'step',
    }),
    dependsOn: readStringList(field(node, 'depends_on'), `${what}: depends_on`, diags, false) ?? [],
    detach: readBool(field(node, 'detach'), `${what}: detach`, diags) ?? false,
    privileged: readBool(field(node, 'privileged'), `${what}: privileged`, diags) ?? false,
    volumes:
      format === '0.8'
        ? readVolumes08(field(node, 'volumes'), `${what} volumes`, diags)
        : readVolumes1(field(node, 'volumes'), `${what} volumes`, diags, ctx.volumes ?? {}),
    extraHosts: readStringList(field(node, 'extra_hosts'), `${what}: extra_hosts`, diags, scalarOk) ?? [],
    devices: readDevices(
      field(node, 'devices'),
      `${what} devices`,
      diags,
      format === '1.x' ? (ctx.volumes ?? {}) : undefined,
    ),
    failure: readFailure(field(node, 'failure'), what, diags),
    ports: [],
    position: pos,
  };
  const ports = readPorts(field(node, 'ports'), `${what} ports`, diags);
  step.ports = ports.ports;
  // Drone 0.8 never mapped ports, so only 1.x host ports need trust.
  if (format === '1.x' && ports.hostPorts.length > 0) ctx.hostPorts?.set(step, ports.hostPorts);
  const entrypoint = readCommandLine(field(node, 'entrypoint'), `${what}: entrypoint`, diags, scalarOk);
  if (entrypoint) step.entrypoint = entrypoint;
  const command = readCommandLine(field(node, 'command'), `${what}: command`, diags, scalarOk);
  if (command) step.command = command;
  const group = readString(field(node, 'group'), `${what}: group`, diags);
  if (group) step.group = group;
  const network = readString(field(node, 'network_mode'), `${what}: network_mode`, diags);
  if (network) step.networkMode = network;
  const user = readString(field(node, 'user'), `${what}: user`, diags);
  if (user) step.user = user;
  const workingDir = readString(field(node, 'working_dir'), `${what}: working_dir`, diags);
  if (workingDir) step.workingDir = workingDir;
  const memLimit = readSize(field(node, 'mem_limit'), `${what}: mem_limit`, diags);
  if (memLimit !== undefined) step.memLimit = memLimit;
  const shmSize = readSize(field(node, 'shm_size'), `${what}: shm_size`, diags);
  if (shmSize !== undefined) step.shmSize = shmSize;
  // Keys written without a value set nothing; forget their place so no rule fires on them.
  for (const p of node.pairs) if (isNull(p.value) && spots[p.key] === p.keyPos) delete spots[p.key];
  ctx.spots.set(step, spots);
  return step;
}

function readPull(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  format: '0.8' | '1.x',
): PullPolicy {
  if (node === undefined || isNull(node)) return 'if-not-exists';
  if (node.kind === 'scalar') {
    if (typeof node.value === 'boolean') return node.value ? 'always' : 'if-not-exists';
    const t = node.text.toLowerCase();
    if (t === 'always' || t === 'never' || t === 'if-not-exists') return t;
    if (t === 'default' || t === '') return 'if-not-exists';
  }
  diags.error(
    node.pos,
    format === '0.8'
      ? `${what}: pull must be true or false`
      : `${what}: pull must be always, never, if-not-exists or default`,
  );
  return 'if-not-exists';
}

function readFailure(node: YNode | undefined, what: string, diags: Diagnostics): 'fail' | 'ignore' {
  if (node === undefined || isNull(node)) return 'fail';
  if (node.kind === 'scalar') {
    const t = node.text.toLowerCase();
    if (t === 'ignore') return 'ignore';
    if (['fail', 'always', 'fast', 'fail-fast', 'fast-fail', ''].includes(t)) return 'fail';
  }
  diags.error(node.pos, `${what}: failure must be 'ignore' (keep going when this step fails) or 'fail'`);
  return 'fail';
}

function readSize(node: YNode | undefined, what: string, diags: Diagnostics): number | undefined {
  if (node === undefined || isNull(node)) return undefined;
  if (node.kind === 'scalar') {
    const bytes = parseBytes(node.text);
    if (bytes !== undefined) return bytes;
  }
  diags.error(node.pos, `${what} must be a size such as 512m, 2g or a number of bytes`);
  return undefined;
}

/** entrypoint / command: a list, or (0.8) a string split into words as Docker Compose does. */
function readCommandLine(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  scalarOk: boolean,
): string[] | undefined {
  if (node === undefined || isNull(node)) return undefined;
  if (node.kind === 'scalar' && scalarOk) return shellWords(node.text);
  const list = readStringList(node, what, diags, false);
  return list && list.length > 0 ? list : undefined;
}
