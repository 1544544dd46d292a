/**
 * YAML text to a small positioned tree: every map, list and scalar knows its
 * line and column. Anchors, aliases and merge keys (`<<`) are resolved here,
 * duplicate keys keep the last value (as Drone's Go parser did) with a
 * warning, and every way the text can fail to be YAML becomes one located
 * error instead of an exception.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';
import { type Diagnostics, START } from './diagnostics.js';
import { prescan } from './prescan.js';
import type { Position } from './types.js';

export type ScalarValue = string | number | boolean | null;

interface Base {
  pos: Position;
  /** The anchor (`&name`) written on this node, if any. */
  anchor?: string;
}

export interface YScalar extends Base {
  kind: 'scalar';
  value: ScalarValue;
  /** The text as written (after unquoting), before YAML typed it: `1.10` stays '1.10'. */
  text: string;
}

export interface YPair {
  key: string;
  keyPos: Position;
  value: YNode;
}

export interface YMap extends Base {
  kind: 'map';
  pairs: YPair[];
}

export interface YSeq extends Base {
  kind: 'seq';
  items: YNode[];
}

export type YNode = YScalar | YMap | YSeq;

export interface YDoc {
  /** Null for a document with nothing in it (only comments, or `---` alone). */
  root: YNode | null;
  pos: Position;
}

export interface LoadOptions {
  /** Refuse texts longer than this many bytes. */
  maxBytes: number;
  /** Most nodes the file may expand to once aliases are followed. */
  maxNodes?: number;
}

const DEFAULT_MAX_NODES = 100_000;
/** Deepest nesting read; Drone files stay under ten. */
const MAX_DEPTH = 200;

/** Parses every document of `text`; problems land in `diags`. Returns [] when nothing usable was read. */
export function loadYaml(text: string, opts: LoadOptions, diags: Diagnostics): YDoc[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > opts.maxBytes) {
    diags.error(
      START,
      `the file is ${formatBytes(bytes)}, over the ${formatBytes(opts.maxBytes)} limit for pipeline files; make it smaller`,
    );
    return [];
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const problem = prescan(source);
  if (problem) {
    diags.error(offsetPosition(source, problem.offset), problem.message);
    return [];
  }
  const lines = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(source, {
      lineCounter: lines,
      uniqueKeys: false,
      prettyErrors: false,
      merge: true,
      strict: false,
    }) as Document.Parsed[];
  } catch (err) {
    diags.error(START, `the file could not be read as YAML (${(err as Error).message}); check its syntax`);
    return [];
  }
  if (!Array.isArray(docs)) return [];
  // An error at the very end (an unclosed quote or bracket) points at the last line with text.
  const lastText = source.trimEnd().length;
  const at = (offset: number): Position => {
    const p = lines.linePos(Math.max(0, Math.min(offset, lastText)));
    return { line: Math.max(1, p.line), column: Math.max(1, p.col) };
  };
  let broken = false;
  for (const doc of docs) {
    // One syntax error often causes more at the same place; the first one is the one to fix.
    const e = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0];
    if (!e) continue;
    broken = true;
    const pos = at(e.pos[0]);
    diags.error(pos, explainYamlError(e.code, e.message, source, pos));
  }
  if (broken) return [];
  const budget = { left: opts.maxNodes ?? DEFAULT_MAX_NODES, exhausted: false };
  const out: YDoc[] = [];
  for (const doc of docs) {
    const builder = new Builder(at, diags, budget);
    const root = doc.contents ? builder.build(doc.contents as Node) : null;
    if (budget.exhausted || builder.failed) return [];
    const pos = at(doc.contents?.range?.[0] ?? doc.range[0]);
    out.push({ root: root && isEmptyScalar(root) ? null : root, pos });
  }
  return out;
}

function offsetPosition(source: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < offset; i = source.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

function isEmptyScalar(n: YNode): boolean {
  return n.kind === 'scalar' && n.value === null && n.text === '';
}

class Builder {
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

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** One sentence for a YAML syntax error: what the parser saw, and what to change. */
function explainYamlError(code: string, message: string, source: string, pos: Position): string {
  if (/call stack/i.test(message)) {
    return 'lists and mappings are nested too deeply here for the YAML reader; flatten the structure';
  }
  const base = message.replace(/\s+at line \d+, column \d+.*$/s, '').replace(/\.$/, '');
  const lineText = source.split(/\r?\n/)[pos.line - 1] ?? '';
  const lead = /^[ \t]*/.exec(lineText)?.[0] ?? '';
  if (code === 'TAB_AS_INDENT' || lead.includes('\t') || tabIndentBefore(source, pos.line)) {
    const tabLine = lead.includes('\t') ? pos.line : tabIndentBefore(source, pos.line);
    return `invalid YAML: line ${tabLine || pos.line} is indented with a tab; YAML needs spaces for indentation, replace the tabs with spaces`;
  }
  const hint = /end with an? [\]}]/.test(base)
    ? 'close it on this line, or indent the lines that continue it further than its key'
    : (HINTS[code] ?? 'check the indentation and punctuation on this line');
  return `invalid YAML: ${lowerFirst(base)}; ${hint}`;
}

/** The last line at or before `line` whose indentation holds a tab, or 0. */
function tabIndentBefore(source: string, line: number): number {
  const lines = source.split(/\r?\n/);
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const lead = /^[ \t]*/.exec(lines[i] ?? '')?.[0] ?? '';
    if (lead.includes('\t') && (lines[i] ?? '').trim() !== '') return i + 1;
  }
  return 0;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}

const HINTS: Record<string, string> = {
  BAD_INDENT: 'indent this line to match its siblings',
  MISSING_CHAR: 'add the missing closing character',
  MULTILINE_IMPLICIT_KEY: "keep each 'key:' on one line, or quote the value",
  BLOCK_AS_IMPLICIT_KEY:
    "check the indentation of this line and the next (a line indented under a value continues it, and its ': ' then reads as a nested mapping); quote the value if it contains ': '",
  UNEXPECTED_TOKEN: 'remove or quote the unexpected text',
  BAD_ALIAS: "write an alias as '*name' after an anchor '&name'",
  DUPLICATE_KEY: 'remove one of the keys',
  BAD_SCALAR_START: 'quote the value',
  BAD_DQ_ESCAPE: 'fix the escape sequence or use single quotes',
  MISSING_ANCHOR: 'define the anchor before using it',
  MULTIPLE_ANCHORS: 'give the node one anchor',
  MULTIPLE_TAGS: 'give the node one tag',
  TAG_RESOLVE_FAILED: 'remove the tag or fix the value',
  IMPOSSIBLE: 'check the syntax on this line',
  BAD_DIRECTIVE: 'remove the directive line',
  NON_STRING_KEY: 'write the key as text',
};
