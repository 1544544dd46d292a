/**
 * Typed reads from the positioned YAML tree. Each reader reports a wrong type
 * at the node's position with a sentence naming the field and the shape it
 * needs, and returns undefined so parsing can go on and find more errors.
 */
import type { Diagnostics } from './diagnostics.js';
import type { YMap, YNode, YPair, YScalar } from './yaml-load.js';

export function pair(map: YMap, key: string): YPair | undefined {
  for (let i = map.pairs.length - 1; i >= 0; i--) {
    const p = map.pairs[i]!;
    if (p.key === key) return p;
  }
  return undefined;
}

export function field(map: YMap, key: string): YNode | undefined {
  return pair(map, key)?.value;
}

export function isNull(node: YNode | undefined): boolean {
  return node === undefined || (node.kind === 'scalar' && node.value === null);
}

/** A scalar as Drone's Go code sees it in a string field: the text as written. */
export function scalarText(s: YScalar): string {
  if (s.value === null) return '';
  if (typeof s.value === 'boolean') return String(s.value);
  return s.text;
}

export function readString(node: YNode | undefined, what: string, diags: Diagnostics): string | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar') return scalarText(node);
  diags.error(node.pos, `${what} must be a single value, not a ${describe(node)}`);
  return undefined;
}

const TRUE = new Set(['true', 'yes', 'on', 'y']);
const FALSE = new Set(['false', 'no', 'off', 'n', '']);

export function readBool(node: YNode | undefined, what: string, diags: Diagnostics): boolean | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'scalar') {
    if (typeof node.value === 'boolean') return node.value;
    const t = scalarText(node).toLowerCase();
    if (TRUE.has(t)) return true;
    if (FALSE.has(t)) return false;
  }
  diags.error(node.pos, `${what} must be true or false`);
  return undefined;
}

export function readInt(node: YNode | undefined, what: string, diags: Diagnostics): number | undefined {
  if (node === undefined || isNull(node)) return undefined;
  if (node.kind === 'scalar') {
    const t = scalarText(node).trim();
    if (/^[0-9]+$/.test(t)) return Number(t);
  }
  diags.error(node.pos, `${what} must be a whole number`);
  return undefined;
}

/**
 * A list of strings. `scalarOk` accepts a single string as a one-item list
 * (Drone 0.8's string-or-slice fields).
 */
export function readStringList(
  node: YNode | undefined,
  what: string,
  diags: Diagnostics,
  scalarOk: boolean,
): string[] | undefined {
  if (node === undefined || isNull(node)) return undefined;
  if (node.kind === 'scalar') {
    if (scalarOk) return [scalarText(node)];
    diags.error(node.pos, `${what} must be a list of strings (one '- item' per line), not a single value`);
    return undefined;
  }
  if (node.kind === 'map') {
    diags.error(node.pos, `${what} must be a list of strings, not a mapping`);
    return undefined;
  }
  const out: string[] = [];
  for (const item of node.items) {
    if (item.kind !== 'scalar') {
      diags.error(
        item.pos,
        `${what} must be a list of strings, but this item reads as a ${describe(item)} (it contains ': ' or ends with ':'); put the whole item in quotes`,
      );
      return undefined;
    }
    if (item.value === null) continue;
    out.push(scalarText(item));
  }
  return out;
}

/** A map, or undefined (with an error) when the node is something else. Null counts as empty. */
export function readMap(node: YNode | undefined, what: string, diags: Diagnostics): YMap | undefined {
  if (node === undefined) return undefined;
  if (node.kind === 'map') return node;
  if (isNull(node)) return { kind: 'map', pairs: [], pos: node.pos };
  diags.error(node.pos, `${what} must be a mapping of 'key: value' lines, not a ${describe(node)}`);
  return undefined;
}

export function describe(node: YNode): string {
  if (node.kind === 'map') return 'mapping';
  if (node.kind === 'seq') return 'list';
  return 'single value';
}

/** Plain JavaScript value of a node, for settings encoded as JSON. */
export function toPlain(node: YNode): unknown {
  if (node.kind === 'scalar') {
    // A number written as 1.10 or 0755 keeps its text; plain ones stay numbers for JSON.
    if (typeof node.value === 'number' && String(node.value) !== node.text) return node.text;
    return node.value;
  }
  if (node.kind === 'seq') return node.items.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const p of node.pairs) out[p.key] = toPlain(p.value);
  return out;
}
