/**
 * Collecting errors and warnings about a pipeline file, each at a line and
 * column, plus the "did you mean" helper used by the unknown-key rules.
 */
import type { Diagnostic, Position } from './types.js';

export const START: Position = { line: 1, column: 1 };

export class Diagnostics {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  error(pos: Position, message: string): void {
    this.errors.push({ severity: 'error', line: pos.line, column: pos.column, message });
  }

  warn(pos: Position, message: string): void {
    this.warnings.push({ severity: 'warning', line: pos.line, column: pos.column, message });
  }

  get failed(): boolean {
    return this.errors.length > 0;
  }

  /** Errors and warnings sorted by place, duplicates (same place and text) dropped. */
  sorted(): { errors: Diagnostic[]; warnings: Diagnostic[] } {
    return { errors: tidy(this.errors), warnings: tidy(this.warnings) };
  }
}

function tidy(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** 'FILE:LINE:COL: message', with 'warning: ' before the message of a warning. */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${file}:${d.line}:${d.column}: ${prefix}${d.message}`;
}

/** The closest candidate to `word` when it is a plausible typo of it, else undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** "; did you mean 'x'?" or an empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `; did you mean '${c}'?`;
}

/** Optimal string alignment distance (Levenshtein with adjacent swaps). */
function distance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i]![0] = i;
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[rows - 1]![cols - 1]!;
}
