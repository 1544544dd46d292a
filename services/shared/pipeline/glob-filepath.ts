/**
 * Go's path/filepath.Match (Go 1.19 and later, Linux), ported on UTF-8 bytes:
 * Drone 0.8 (cncd/pipeline constraint.go) matches `when:` and `branches:` with it.
 */
import { decodeRune, RUNE_ERROR } from './utf8.js';

type Result = boolean | 'error';

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const STAR = 0x2a;
const QUESTION = 0x3f;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;

/** Go's path/filepath.Match on Linux; 'error' where Go returns ErrBadPattern. */
export function filepathMatch(patternIn: Buffer, nameIn: Buffer): Result {
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
