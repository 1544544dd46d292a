/**
 * bmatcuk/doublestar v1.1 `Match`, ported on UTF-8 bytes: Drone 1.x (drone-yaml
 * and runner-go) matches `when:` and `trigger:` with it.
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
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;

/** doublestar v1 Match with '/' as separator; 'error' where it returns ErrBadPattern. */
export function doublestarMatch(pattern: Buffer, name: Buffer): Result {
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
