/**
 * Readers for the step fields that have more shape than a string or a list:
 * environment, secrets, plugin settings, volumes, devices, ports.
 */
import { closest, type Diagnostics } from './diagnostics.js';
import { describe, field, isNull, readString, scalarText, toPlain } from './read.js';
import type { EnvValue, SecretRef, VolumeMount } from './types.js';
import type { YMap, YNode } from './yaml-load.js';

export type PipelineVolumes = Record<string, { hostPath?: string; temp?: boolean }>;

/** `{from_secret: name}` → name; undefined for anything else. */
function fromSecret(node: YNode): string | undefined {
  if (node.kind !== 'map' || node.pairs.length !== 1) return undefined;
  const only = node.pairs[0]!;
  if (only.key !== 'from_secret' || only.value.kind !== 'scalar') return undefined;
  return scalarText(only.value);
}

/** Warns when a one-key mapping looks like a misspelt `from_secret`. */
function checkSecretTypo(node: YNode, what: string, diags: Diagnostics): boolean {
  if (node.kind !== 'map' || node.pairs.length !== 1) return false;
  const only = node.pairs[0]!;
  if (only.key === 'from_secret' || closest(only.key, ['from_secret']) === undefined) return false;
  diags.warn(
    only.keyPos,
    `${what}: '${only.key}' is not 'from_secret', so no secret is used; did you mean 'from_secret'?`,
  );
  return true;
}

/**
 * `environment:` as a mapping (both formats; 1.x values may be
 * `{from_secret: name}`) or, in 0.8, a list of `KEY=value` strings.
 */
export function readEnvironment(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  format: '0.8' | '1.x',
): Record<string, EnvValue> {
  const out: Record<string, EnvValue> = {};
  if (node === undefined || isNull(node)) return out;
  if (node.kind === 'seq') {
    if (format === '1.x') {
      diags.error(node.pos, `${what} must be a mapping of NAME: value lines, not a list`);
      return out;
    }
    for (const item of node.items) {
      if (item.kind !== 'scalar') {
        diags.error(item.pos, `${what} list items must be NAME=value strings`);
        continue;
      }
      const text = scalarText(item);
      const eq = text.indexOf('=');
      if (eq === 0) {
        diags.error(item.pos, `${what}: '${text}' has no variable name before '='; write NAME=value`);
        continue;
      }
      out[eq < 0 ? text : text.slice(0, eq)] = { value: eq < 0 ? '' : text.slice(eq + 1) };
    }
    return out;
  }
  if (node.kind !== 'map') {
    diags.error(node.pos, `${what} must be a mapping of NAME: value lines, not a single value`);
    return out;
  }
  for (const p of node.pairs) {
    const v = p.value;
    if (v.kind === 'scalar') {
      out[p.key] = { value: scalarText(v) };
      continue;
    }
    const secret = format === '1.x' ? fromSecret(v) : undefined;
    if (secret !== undefined) {
      out[p.key] = { fromSecret: secret };
      continue;
    }
    if (checkSecretTypo(v, `${what} ${p.key}`, diags)) continue;
    const shape = format === '1.x' ? "a single value or 'from_secret: NAME'" : 'a single value';
    diags.error(
      v.pos,
      `${what}: ${p.key} must be ${shape}, not a ${describe(v)}; quote it to pass it as text`,
    );
  }
  return out;
}

/** 0.8 `secrets: [name, {source, target}]`; targets are upper-cased as Drone does. */
export function readSecrets(node: YNode | undefined, what: string, diags: Diagnostics): SecretRef[] {
  const out: SecretRef[] = [];
  if (node === undefined || isNull(node)) return out;
  const items = node.kind === 'seq' ? node.items : [node];
  for (const item of items) {
    if (item.kind === 'scalar') {
      const name = scalarText(item);
      if (name !== '') out.push({ source: name, target: name.toUpperCase() });
      continue;
    }
    if (item.kind === 'map') {
      const source = readString(field(item, 'source'), `${what} source`, diags);
      const target = readString(field(item, 'target'), `${what} target`, diags);
      if (!source) {
        diags.error(item.pos, `${what}: each secret needs a 'source' (the secret's name)`);
        continue;
      }
      out.push({ source, target: (target || source).toUpperCase() });
      continue;
    }
    diags.error(item.pos, `${what} must list secret names or {source, target} mappings`);
  }
  return out;
}

/**
 * Plugin settings: 0.8 extra step keys or 1.x `settings:`. Values whose
 * mapping is `{from_secret: x}` become secrets exposed as PLUGIN_<KEY>.
 */
export function readSettings(
  pairs: { key: string; value: YNode }[],
  what: string,
  diags: Diagnostics,
  secrets: SecretRef[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const secret = fromSecret(p.value);
    if (secret !== undefined) {
      secrets.push({ source: secret, target: `PLUGIN_${p.key.toUpperCase()}` });
      continue;
    }
    checkSecretTypo(p.value, `${what} ${p.key}`, diags);
    if (p.value.kind === 'scalar') {
      if (p.value.value === null) continue;
      out[p.key] =
        typeof p.value.value === 'string' || typeof p.value.value === 'boolean'
          ? p.value.value
          : scalarText(p.value);
      continue;
    }
    out[p.key] = toPlain(p.value);
  }
  return out;
}

/** 0.8 volumes: 'source:target[:ro]' strings; a source starting with '/' is a host path. */
export function readVolumes08(node: YNode | undefined, what: string, diags: Diagnostics): VolumeMount[] {
  const out: VolumeMount[] = [];
  if (node === undefined || isNull(node)) return out;
  const items = node.kind === 'seq' ? node.items : [node];
  for (const item of items) {
    if (item.kind !== 'scalar') {
      diags.error(item.pos, `${what} must list 'source:target' strings like '/var/cache:/cache'`);
      continue;
    }
    const parts = scalarText(item).split(':');
    const [source, target, mode] = parts;
    if (!source || !target || parts.length > 3) {
      diags.error(
        item.pos,
        `${what}: '${scalarText(item)}' is not 'source:target[:ro]'; write it like '/var/cache:/cache'`,
      );
      continue;
    }
    const readOnly = mode === 'ro';
    out.push(
      source.startsWith('/') ? { hostPath: source, target, readOnly } : { name: source, target, readOnly },
    );
  }
  return out;
}

/** 1.x volumes: `- name: cache` + `path: /cache`, resolved against the pipeline's `volumes:`. */
export function readVolumes1(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  volumes: PipelineVolumes,
): VolumeMount[] {
  const out: VolumeMount[] = [];
  if (node === undefined || isNull(node)) return out;
  if (node.kind !== 'seq') {
    diags.error(node.pos, `${what} must be a list of '- name: NAME' + 'path: /path' entries`);
    return out;
  }
  for (const item of node.items) {
    if (item.kind !== 'map') {
      diags.error(
        item.pos,
        `${what} must be a list of '- name: NAME' + 'path: /path' entries, not ${describe(item)}s`,
      );
      continue;
    }
    const name = readString(field(item, 'name'), `${what} name`, diags);
    const path = readString(field(item, 'path'), `${what} path`, diags);
    if (!name || !path) {
      diags.error(
        item.pos,
        `${what}: each mount needs a 'name' (a pipeline volume) and a 'path' inside the container`,
      );
      continue;
    }
    const vol = volumes[name];
    if (!vol) {
      diags.error(
        item.pos,
        `${what}: volume '${name}' is not defined; add it under the pipeline's 'volumes:' with 'host:' or 'temp:'`,
      );
      continue;
    }
    out.push({ name, ...vol, target: path, readOnly: false });
  }
  return out;
}

/** Devices: 0.8 'host:container' strings; 1.x `- name: VOLUME` + `path: /dev/x`. */
export function readDevices(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  volumes: PipelineVolumes | undefined,
): string[] {
  const out: string[] = [];
  if (node === undefined || isNull(node)) return out;
  const items = node.kind === 'seq' ? node.items : [node];
  for (const item of items) {
    if (item.kind === 'scalar') {
      out.push(scalarText(item));
      continue;
    }
    if (item.kind === 'map' && volumes) {
      const name = readString(field(item, 'name'), `${what} name`, diags) ?? '';
      const path = readString(field(item, 'path'), `${what} path`, diags) ?? '';
      const host = volumes[name]?.hostPath;
      if (!host || !path) {
        diags.error(
          item.pos,
          `${what}: each device needs a 'name' of a host volume and a 'path' inside the container`,
        );
        continue;
      }
      out.push(`${host}:${path}`);
      continue;
    }
    diags.error(item.pos, `${what} must list devices like '/dev/fuse:/dev/fuse'`);
  }
  return out;
}

/** Service ports: numbers, 'container' or 'host:container' strings, or 1.x {port, host}. */
export function readPorts(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
): { ports: number[]; hostPorts: number[] } {
  const ports: number[] = [];
  const hostPorts: number[] = [];
  if (node === undefined || isNull(node)) return { ports, hostPorts };
  const items = node.kind === 'seq' ? node.items : [node];
  for (const item of items) {
    let text: string | undefined;
    let host: string | undefined;
    if (item.kind === 'scalar') text = scalarText(item);
    else if (item.kind === 'map') {
      text = readString(field(item as YMap, 'port'), `${what} port`, diags);
      host = readString(field(item as YMap, 'host'), `${what} host`, diags);
    }
    const parts = (text ?? '').split(':');
    const container = Number(parts[parts.length - 1]);
    if (parts.length === 2) host = parts[0];
    if (!Number.isInteger(container) || container <= 0 || container > 65535) {
      diags.error(item.pos, `${what}: '${text ?? describe(item)}' is not a port number`);
      continue;
    }
    ports.push(container);
    if (host !== undefined && host !== '' && Number(host) !== 0) hostPorts.push(Number(host));
  }
  return { ports, hostPorts };
}
