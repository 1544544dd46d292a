/**
 * Glob matching as Drone does it for `when:`, `trigger:` and `branches:`.
 * The two formats use two Go matchers, ported here rule for rule (on UTF-8
 * bytes, as Go does):
 *
 * - 'doublestar' (Drone 1.x: drone-yaml and runner-go use bmatcuk/doublestar
 *   v1.1): pattern and value are split on '/'; a `**` component matches any
 *   number of components (`refs/tags/**`), `*` and `?` stay within one;
 *   `{a,b}` alternatives; `[a-z]` / `[^a-z]` classes; `\x` escapes.
 * - 'filepath' (Drone 0.8: cncd/pipeline uses Go's path/filepath.Match): `*`
 *   and `?` never match '/', `**` is just `*`, no alternatives; a class may
 *   match '/'. Go's matcher is greedy and does not backtrack across stars,
 *   which this port keeps.
 *
 * In both, only `^` negates a class (`[!a]` is the class of '!' and 'a'), and
 * a malformed pattern (unclosed `[`, trailing `\`) matches nothing, since
 * Drone ignores the matcher's error.
 */

export type GlobDialect = 'doublestar' | 'filepath';

/** Whether `value` matches `pattern` in full; Drone 1.x rules unless told otherwise. */
export function globMatch(pattern: string, value: string, dialect: GlobDialect = 'doublestar'): boolean {
  const p = Buffer.from(pattern, 'utf8');
  const v = Buffer.from(value, 'utf8');
  const result = dialect === 'filepath' ? filepathMatch(p, v) : doublestarMatch(p, v);
  return result === true;
}

/** The glob rules of a pipeline file format. */
export function globDialect(format: '0.8' | '1.x'): GlobDialect {
  return format === '0.8' ? 'filepath' : 'doublestar';
}

type Result = boolean | 'error';

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const STAR = 0x2a;
const QUESTION = 0x3f;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;
const RUNE_ERROR = 0xfffd;

/** Go's utf8.DecodeRune: [rune, width]; an invalid or missing byte is U+FFFD of width 1 (0 at the end). */
export function decodeRune(b: Uint8Array, i: number): [number, number] {
  if (i >= b.length) return [RUNE_ERROR, 0];
  const b0 = b[i] as number;
  if (b0 < 0x80) return [b0, 1];
  const need = b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc2 && b0 <= 0xdf ? 2 : 0;
  if (need === 0 || i + need > b.length) return [RUNE_ERROR, 1];
  let r = b0 & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
  for (let k = 1; k < need; k++) {
    const c = b[i + k] as number;
    if ((c & 0xc0) !== 0x80) return [RUNE_ERROR, 1];
    r = (r << 6) | (c & 0x3f);
  }
  const min = need === 2 ? 0x80 : need === 3 ? 0x800 : 0x10000;
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return [RUNE_ERROR, 1];
  return [r, need];
}

// ------------------------------------------------ Go path/filepath.Match

function filepathMatch(patternIn: Buffer, nameIn: Buffer): Result {
  let pattern = patternIn;
  let name = nameIn;
  outer: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern);
    pattern = rest;
    if (star && chunk.length === 0) return !name.includes(SLASH);
    const t = matchChunk(chunk, name);
    if (t !== null && t !== 'error' && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (t === 'error') return 'error';
    if (star) {
      for (let i = 0; i < name.length && name[i] !== SLASH; i++) {
        const t2 = matchChunk(chunk, name.subarray(i + 1));
        if (t2 === 'error') return 'error';
        if (t2 !== null) {
          if (pattern.length === 0 && t2.length > 0) continue;
          name = t2;
          continue outer;
        }
      }
    }
    // Go checks the rest of the pattern for syntax errors before saying no.
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      if (matchChunk(next.chunk, Buffer.alloc(0)) === 'error') return 'error';
    }
    return false;
  }
  return name.length === 0;
}

function scanChunk(patternIn: Buffer): { star: boolean; chunk: Buffer; rest: Buffer } {
  let pattern = patternIn;
  let star = false;
  while (pattern.length > 0 && pattern[0] === STAR) {
    pattern = pattern.subarray(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case BACKSLASH:
        if (i + 1 < pattern.length) i++;
        break;
      case LBRACKET:
        inRange = true;
        break;
      case RBRACKET:
        inRange = false;
        break;
      case STAR:
        if (!inRange) break scan;
        break;
    }
  }
  return { star, chunk: pattern.subarray(0, i), rest: pattern.subarray(i) };
}

/** The rest of s after chunk, null for no match, 'error' for a malformed chunk (checked in full, as Go does). */
function matchChunk(chunkIn: Buffer, sIn: Buffer): Buffer | null | 'error' {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0] as number;
    if (c === LBRACKET) {
      let r = 0;
      if (!failed) {
        const [rr, n] = decodeRune(s, 0);
        r = rr;
        s = s.subarray(n);
      }
      chunk = chunk.subarray(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === CARET) {
        negated = true;
        chunk = chunk.subarray(1);
      }
      let match = false;
      let ranges = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === RBRACKET && ranges > 0) {
          chunk = chunk.subarray(1);
          break;
        }
        const lo = getEsc(chunk);
        if (lo === null) return 'error';
        chunk = lo.rest;
        let hi = lo.r;
        if (chunk[0] === DASH) {
          const h = getEsc(chunk.subarray(1));
          if (h === null) return 'error';
          chunk = h.rest;
          hi = h.r;
        }
        if (lo.r <= r && r <= hi) match = true;
        ranges++;
      }
      if (match === negated) failed = true;
    } else if (c === QUESTION) {
      if (!failed) {
        if (s[0] === SLASH) failed = true;
        s = s.subarray(decodeRune(s, 0)[1]);
      }
      chunk = chunk.subarray(1);
    } else {
      if (c === BACKSLASH) {
        chunk = chunk.subarray(1);
        if (chunk.length === 0) return 'error';
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.subarray(1);
      }
      chunk = chunk.subarray(1);
    }
  }
  return failed ? null : s;
}

/** Go's getEsc: one possibly-escaped class member, which must be followed by more pattern. */
function getEsc(chunkIn: Buffer): { r: number; rest: Buffer } | null {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === DASH || chunk[0] === RBRACKET) return null;
  if (chunk[0] === BACKSLASH) {
    chunk = chunk.subarray(1);
    if (chunk.length === 0) return null;
  }
  const [r, n] = decodeRune(chunk, 0);
  if (r === RUNE_ERROR && n === 1) return null;
  const rest = chunk.subarray(n);
  if (rest.length === 0) return null;
  return { r, rest };
}

// ------------------------------------------------ bmatcuk/doublestar v1 Match

function doublestarMatch(pattern: Buffer, name: Buffer): Result {
  return doMatching(splitOnSeparator(pattern, SLASH), splitOnSeparator(name, SLASH));
}

/** Index of byte r in s, skipping occurrences right after a backslash; -1 when absent. */
function indexWithEscaping(s: Buffer, r: number, from = 0): number {
  const end = s.indexOf(r, from);
  if (end === -1) return -1;
  if (end > from && s[end - 1] === BACKSLASH) return indexWithEscaping(s, r, end + 1);
  return end;
}

function splitOnSeparator(path: Buffer, sep: number): Buffer[] {
  if (!path.includes(sep)) return [path];
  const out: Buffer[] = [];
  let emptyEnd = false;
  for (let start = 0; start < path.length; ) {
    let end = indexWithEscaping(path, sep, start);
    if (end === -1) {
      emptyEnd = false;
      end = path.length;
    } else {
      emptyEnd = true;
    }
    out.push(path.subarray(start, end));
    start = end + 1;
  }
  if (emptyEnd) out.push(Buffer.alloc(0));
  return out;
}

function isDoubleStar(b: Buffer): boolean {
  return b.length === 2 && b[0] === STAR && b[1] === STAR;
}

function doMatching(pattern: Buffer[], name: Buffer[]): Result {
  if (pattern.length === 0 && name.length === 0) return true;
  if (pattern.length === 0 || name.length === 0) return false;
  let pi = 0;
  let ni = 0;
  while (pi < pattern.length && ni < name.length) {
    if (isDoubleStar(pattern[pi] as Buffer)) {
      pi++;
      if (pi >= pattern.length) return true;
      for (; ni < name.length; ni++) {
        if (doMatching(pattern.slice(pi), name.slice(ni)) === true) return true;
      }
      return false;
    }
    const m = matchComponent(pattern[pi] as Buffer, name[ni] as Buffer);
    if (m !== true) return m;
    pi++;
    ni++;
  }
  return pi >= pattern.length && ni >= name.length;
}

function isOnlyStars(b: Buffer, count: number): boolean {
  return b.length === count && b.every((c) => c === STAR);
}

function matchComponent(pattern: Buffer, name: Buffer): Result {
  if (pattern.length === 0 && name.length === 0) return true;
  if (pattern.length === 0) return false;
  if (name.length === 0 && !isOnlyStars(pattern, 1)) return false;
  let pi = 0;
  let ni = 0;
  while (pi < pattern.length && ni < name.length) {
    let [pr, pw] = decodeRune(pattern, pi);
    const [nr, nw] = decodeRune(name, ni);
    if (pr === BACKSLASH) {
      pi += pw;
      [pr, pw] = decodeRune(pattern, pi);
      if (pr === RUNE_ERROR) return 'error';
      if (pr !== nr) return false;
      pi += pw;
      ni += nw;
    } else if (pr === STAR) {
      pi += pw;
      if (pi >= pattern.length) return true;
      // Steps by the width of the rune the star started on, as doublestar does.
      for (; ni < name.length; ni += nw) {
        if (matchComponent(pattern.subarray(pi), name.subarray(ni)) === true) return true;
      }
      return false;
    } else if (pr === LBRACKET) {
      pi += pw;
      const endRel = indexWithEscaping(pattern.subarray(pi), RBRACKET);
      if (endRel === -1) return 'error';
      const end = pi + endRel;
      const cls = Array.from(pattern.subarray(pi, end).toString('utf8'), (c) => c.codePointAt(0) as number);
      if (cls.length === 0) return 'error';
      const m = matchClassRunes(cls, nr);
      if (m !== true) return m;
      pi = end + 1;
      ni += nw;
    } else if (pr === LBRACE) {
      pi += pw;
      const endRel = indexWithEscaping(pattern.subarray(pi), RBRACE);
      if (endRel === -1) return 'error';
      const end = pi + endRel;
      const options = splitOnSeparator(pattern.subarray(pi, end), COMMA);
      const after = pattern.subarray(end + 1);
      for (const option of options) {
        const m = matchComponent(Buffer.concat([option, after]), name.subarray(ni));
        if (m === 'error') return 'error';
        if (m) return true;
      }
      return false;
    } else if (pr === QUESTION || pr === nr) {
      pi += pw;
      ni += nw;
    } else {
      return false;
    }
  }
  if (pi >= pattern.length && ni >= name.length) return true;
  const rest = pattern.subarray(pi);
  return (ni >= name.length && isOnlyStars(rest, 1)) || isOnlyStars(rest, 2);
}

/** A doublestar class body (between '[' and ']') against one rune. */
function matchClassRunes(cls: number[], r: number): Result {
  let i = 0;
  let matched = false;
  if (cls[0] === CARET) i++;
  while (i < cls.length) {
    let low = cls[i] as number;
    if (low === DASH) return 'error';
    i++;
    if (low === BACKSLASH) {
      if (i >= cls.length) return 'error';
      low = cls[i] as number;
      i++;
    }
    let high = low;
    if (i < cls.length && cls[i] === DASH) {
      i++;
      if (i >= cls.length) return 'error';
      high = cls[i] as number;
      if (high === DASH) return 'error';
      i++;
      if (high === BACKSLASH) {
        if (i >= cls.length) return 'error';
        high = cls[i] as number;
        i++;
      }
    }
    if (low <= r && r <= high) matched = true;
  }
  return matched !== (cls[0] === CARET);
}
