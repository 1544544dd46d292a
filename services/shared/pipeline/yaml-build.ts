/**
 * Builds the positioned tree (yaml-load.ts) from the `yaml` package's
 * Document nodes: follows aliases within a node budget (so an alias bomb is
 * refused, not expanded), applies merge keys (`<<`), keeps the last of
 * duplicate keys with a warning, and caps nesting depth.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { Diagnostics } from './diagnostics.js';
import type { Position } from './types.js';
import type { ScalarValue, YMap, YNode, YPair, YScalar, YSeq } from './yaml-load.js';

/** Deepest nesting read; Drone files stay under ten. */
const MAX_DEPTH = 200;

export class Builder {
  private readonly anchors = new Map<string, YNode>();
  /** Subtree sizes, so an alias counts as big as what it stands for. */
  private readonly sizes = new WeakMap<YNode, number>();
  failed = false;
  private depth = 0;

  constructor(
    private readonly at: (offset: number) => Position,
    private readonly diags: Diagnostics,
    private readonly budget: { left: number; exhausted: boolean },
  ) {}

  build(node: Node): YNode | null {
    if (this.failed || this.budget.exhausted) return null;
    if (isAlias(node)) return this.alias(node.source, this.at(node.range?.[0] ?? 0));
    const pos = this.at(node.range?.[0] ?? 0);
    if (this.depth >= MAX_DEPTH) {
      this.failed = true;
      this.diags.error(
        pos,
        `lists and mappings are nested more than ${MAX_DEPTH} levels deep here; flatten the structure`,
      );
      return null;
    }
    this.depth++;
    try {
      return this.buildNode(node, pos);
    } finally {
      this.depth--;
    }
  }

  private buildNode(node: Node, pos: Position): YNode | null {
    let built: YNode | null;
    if (isMap(node)) built = this.map(node.items, pos);
    else if (isSeq(node)) built = this.seq(node.items as Node[], pos);
    else if (isScalar(node)) built = this.scalar(node.value, node.source, pos);
    else built = this.scalar(null, '', pos);
    if (built === null) return null;
    if (!this.spend(1, pos)) return null;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) {
      built.anchor = anchor;
      this.anchors.set(anchor, built);
    }
    return built;
  }

  private spend(n: number, pos: Position): boolean {
    this.budget.left -= n;
    if (this.budget.left < 0 && !this.budget.exhausted) {
      this.budget.exhausted = true;
      this.diags.error(
        pos,
        'the file expands to too many YAML nodes once its aliases are followed (an alias bomb?); use fewer nested aliases',
      );
    }
    return !this.budget.exhausted;
  }

  private alias(name: string, pos: Position): YNode | null {
    const target = this.anchors.get(name);
    if (!target) {
      this.failed = true;
      this.diags.error(
        pos,
        `the alias '*${name}' refers to no anchor defined before it; define '&${name}' first`,
      );
      return null;
    }
    if (!this.spend(this.sizeOf(target), pos)) return null;
    return target;
  }

  private sizeOf(n: YNode): number {
    const known = this.sizes.get(n);
    if (known !== undefined) return known;
    let size = 1;
    if (n.kind === 'map') for (const p of n.pairs) size += this.sizeOf(p.value);
    else if (n.kind === 'seq') for (const i of n.items) size += this.sizeOf(i);
    this.sizes.set(n, size);
    return size;
  }

  private scalar(value: unknown, source: unknown, pos: Position): YScalar {
    const v: ScalarValue =
      value === null || value === undefined
        ? null
        : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? value
          : String(value);
    const text = typeof source === 'string' ? source : v === null ? '' : String(v);
    return { kind: 'scalar', value: v, text, pos };
  }

  private seq(items: Node[], pos: Position): YSeq | null {
    const out: YNode[] = [];
    for (const item of items) {
      const built = item === null || item === undefined ? this.scalar(null, '', pos) : this.build(item);
      if (built === null) return null;
      out.push(built);
    }
    return { kind: 'seq', items: out, pos };
  }

  private map(items: unknown[], pos: Position): YMap | null {
    const explicit: YPair[] = [];
    const merged: YPair[] = [];
    for (const item of items) {
      if (!isPair(item)) continue;
      const keyNode = item.key as Node | null;
      const keyPos = keyNode?.range ? this.at(keyNode.range[0]) : pos;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        const sources = this.mergeSources(item.value as Node | null, keyPos);
        if (sources === null) return null;
        for (const m of sources) merged.push(...m.pairs);
        continue;
      }
      const key = this.keyText(keyNode, keyPos);
      if (key === null) return null;
      const valueNode = item.value as Node | null;
      const value = valueNode ? this.build(valueNode) : this.scalar(null, '', keyPos);
      if (value === null) return null;
      explicit.push({ key, keyPos, value });
    }
    // Explicit keys win over merged ones wherever they appear; among merged maps the first wins.
    const pairs: YPair[] = [];
    for (const p of merged) if (!pairs.some((q) => q.key === p.key)) pairs.push(p);
    const seenExplicit = new Map<string, YPair>();
    for (const p of explicit) {
      const before = seenExplicit.get(p.key);
      if (before) {
        this.diags.warn(
          p.keyPos,
          `the key '${p.key}' is given twice (first at line ${before.keyPos.line}); the last value is used, remove one of them`,
        );
      }
      seenExplicit.set(p.key, p);
      const i = pairs.findIndex((q) => q.key === p.key);
      if (i >= 0) pairs.splice(i, 1);
      pairs.push(p);
    }
    return { kind: 'map', pairs, pos };
  }

  private mergeSources(node: Node | null, pos: Position): YMap[] | null {
    const fail = (): null => {
      this.failed = true;
      this.diags.error(
        pos,
        "a merge key '<<' takes an alias of a mapping or a list of them, like '<<: *defaults'",
      );
      return null;
    };
    if (!node) return fail();
    const nodes: Node[] = isSeq(node) ? (node.items as Node[]) : [node];
    const out: YMap[] = [];
    for (const n of nodes) {
      const built = this.build(n);
      if (built === null) return null;
      if (built.kind !== 'map') return fail();
      out.push(built);
    }
    return out;
  }

  private keyText(node: Node | null, pos: Position): string | null {
    if (node === null || node === undefined) return '';
    if (isScalar(node)) {
      if (typeof node.source === 'string') return node.source;
      return node.value === null ? '' : String(node.value);
    }
    if (isAlias(node)) {
      const target = this.alias(node.source, pos);
      if (target === null) return null;
      if (target.kind === 'scalar') return target.text;
    }
    this.failed = true;
    this.diags.error(
      pos,
      'a mapping key must be a plain name, not a list or a mapping; write the key as text',
    );
    return null;
  }
}
