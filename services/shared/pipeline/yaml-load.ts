/**
 * YAML text to a small positioned tree: every map, list and scalar knows its
 * line and column. Anchors, aliases and merge keys (`<<`) are resolved here,
 * duplicate keys keep the last value (as Drone's Go parser did) with a
 * warning, and every way the text can fail to be YAML becomes one located
 * error instead of an exception.
 */
import { type Document, LineCounter, type Node, parseAllDocuments } from 'yaml';
import { type Diagnostics, START } from './diagnostics.js';
import { prescan } from './prescan.js';
import type { Position } from './types.js';
import { Builder } from './yaml-build.js';
import { explainYamlError } from './yaml-errors.js';

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

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
