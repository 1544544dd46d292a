/**
 * Glob matching as Drone does it for `when:` / `trigger:` / `branches:`:
 * Go's `path/filepath.Match` on Linux, extended with `**`.
 *
 * - `*` matches any run of characters except `/`.
 * - `**` matches any run of characters, `/` included (doublestar).
 * - `?` matches one character except `/`.
 * - `[abc]`, `[a-z]`, `[^a-z]` (and `[!a-z]`) match one character of a class.
 * - `\x` matches `x` literally.
 *
 * A malformed pattern (unclosed `[`, trailing `\`) matches nothing, as
 * Drone ignores the error `filepath.Match` returns and treats it as no match.
 */

/** Whether `value` matches `pattern` in full. */
export function globMatch(pattern: string, value: string): boolean {
  const p = Array.from(pattern);
  const v = Array.from(value);
  if (!wellFormed(p)) return false;
  return matchFrom(p, 0, v, 0, new Map());
}

/**
 * Whether a pattern is syntactically valid (closed classes, no trailing
 * backslash, no empty class, no bare `-` or `]` where a class member belongs).
 */
export function globValid(pattern: string): boolean {
  return wellFormed(Array.from(pattern));
}

function wellFormed(p: string[]): boolean {
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) return false;
      i += 2;
    } else if (c === '[') {
      const end = classEnd(p, i);
      if (end < 0) return false;
      i = end;
    } else {
      i += 1;
    }
  }
  return true;
}

/**
 * Parses the class that starts at p[start] ('['); returns the index after its
 * closing ']' or -1 when the class is malformed (Go's ErrBadPattern).
 */
function classEnd(p: string[], start: number): number {
  let i = start + 1;
  if (p[i] === '^' || p[i] === '!') i += 1;
  let ranges = 0;
  for (;;) {
    if (p[i] === ']' && ranges > 0) return i + 1;
    const lo = classChar(p, i);
    if (lo === null) return -1;
    i = lo.next;
    if (p[i] === '-') {
      const hi = classChar(p, i + 1);
      if (hi === null) return -1;
      i = hi.next;
    }
    ranges += 1;
  }
}

/** Go's getEsc: one possibly-escaped class member, which must be followed by more pattern. */
function classChar(p: string[], i: number): { ch: string; next: number } | null {
  let c = p[i];
  if (c === undefined || c === '-' || c === ']') return null;
  let next = i + 1;
  if (c === '\\') {
    c = p[next];
    if (c === undefined) return null;
    next += 1;
  }
  if (next >= p.length) return null;
  return { ch: c, next };
}

/** Matches one class at p[start] against ch; returns the index after the class and the result. */
function matchClass(p: string[], start: number, ch: string): { next: number; ok: boolean } {
  let i = start + 1;
  let negated = false;
  if (p[i] === '^' || p[i] === '!') {
    negated = true;
    i += 1;
  }
  const code = ch.codePointAt(0) ?? 0;
  let matched = false;
  let ranges = 0;
  for (;;) {
    if (p[i] === ']' && ranges > 0) {
      i += 1;
      break;
    }
    // wellFormed() ran first, so classChar cannot fail here.
    const lo = classChar(p, i) as { ch: string; next: number };
    i = lo.next;
    let hiCh = lo.ch;
    if (p[i] === '-') {
      const hi = classChar(p, i + 1) as { ch: string; next: number };
      hiCh = hi.ch;
      i = hi.next;
    }
    const loCode = lo.ch.codePointAt(0) ?? 0;
    const hiCode = hiCh.codePointAt(0) ?? 0;
    if (loCode <= code && code <= hiCode) matched = true;
    ranges += 1;
  }
  return { next: i, ok: matched !== negated };
}

function matchFrom(p: string[], pi: number, v: string[], vi: number, memo: Map<number, boolean>): boolean {
  const key = pi * (v.length + 1) + vi;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const result = matchUncached(p, pi, v, vi, memo);
  memo.set(key, result);
  return result;
}

function matchUncached(
  p: string[],
  pi: number,
  v: string[],
  vi: number,
  memo: Map<number, boolean>,
): boolean {
  while (pi < p.length) {
    const c = p[pi] as string;
    if (c === '*') {
      let end = pi;
      while (p[end] === '*') end += 1;
      const crossesSlash = end - pi >= 2;
      // Try every split: the star takes v[vi..k), the rest matches from k.
      for (let k = vi; k <= v.length; k++) {
        if (matchFrom(p, end, v, k, memo)) return true;
        if (k < v.length && !crossesSlash && v[k] === '/') return false;
      }
      return false;
    }
    const ch = v[vi];
    if (ch === undefined) return false;
    if (c === '?') {
      if (ch === '/') return false;
      pi += 1;
    } else if (c === '[') {
      const r = matchClass(p, pi, ch);
      if (!r.ok) return false;
      pi = r.next;
    } else if (c === '\\') {
      if (p[pi + 1] !== ch) return false;
      pi += 2;
    } else {
      if (c !== ch) return false;
      pi += 1;
    }
    vi += 1;
  }
  return vi === v.length;
}
