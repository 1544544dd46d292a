/**
 * The string functions of github.com/drone/envsubst (funcs.go, template.go's
 * lookupFunc and path/match.go), with their quirks: `${VAR:+x}` and `${VAR:?x}`
 * behave like `${VAR:-x}`; `/#` and `/%` need a replacement to do anything;
 * replace patterns are plain text, while `#`/`%` removal patterns are globs in
 * which `*` and `?` also match `/`.
 */

/** Thrown for an expression Drone's Go code would crash on (a negative substring length). */
export class FuncError extends Error {
  override readonly name = 'FuncError';
  /** Offset of the expression's `${` in the text, filled in by the evaluator. */
  offset = 0;
}

/** Applies the substitution function `name` to the variable's value. */
export function applyFunc(name: string, value: string, args: string[]): string {
  switch (name) {
    case ',':
      return mapFirst(value, (c) => c.toLowerCase());
    case ',,':
      return value.toLowerCase();
    case '^':
      return mapFirst(value, (c) => c.toUpperCase());
    case '^^':
      return value.toUpperCase();
    case '#':
      return args.length === 0 ? String(Buffer.byteLength(value, 'utf8')) : trimPrefix(value, args[0], false);
    case '##':
      return trimPrefix(value, args[0], true);
    case '%':
      return trimSuffix(value, args[0], false);
    case '%%':
      return trimSuffix(value, args[0], true);
    case ':':
      return substring(value, args);
    case '/#':
      return replacePrefix(value, args);
    case '/%':
      return replaceSuffix(value, args);
    case '/':
      return replace(value, args, 1);
    case '//':
      return replace(value, args, -1);
    default:
      // '', '=', ':=', ':-', ':?', ':+': the default function.
      return value === '' && args.length > 0 ? args.join('') : value;
  }
}

function mapFirst(value: string, fn: (c: string) => string): string {
  if (value === '') return value;
  const first = String.fromCodePoint(value.codePointAt(0) as number);
  return fn(first) + value.slice(first.length);
}

/** Go's strconv.Atoi: optional sign, decimal digits, within int64. */
function atoi(text: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
  return Number(n);
}

/** toSubstr: byte offsets, as Go slices strings by byte. */
function substring(value: string, args: string[]): string {
  if (args.length === 0) return value;
  const bytes = Buffer.from(value, 'utf8');
  const size = bytes.length;
  let pos = atoi(args[0] as string);
  if (pos === null) return value;
  if (pos < 0) pos = Math.max(0, size + pos);
  if (args.length === 1) return pos < size ? bytes.subarray(pos).toString('utf8') : '';
  const length = atoi(args[1] as string);
  if (length === null) return value;
  if (pos + length >= size) return pos < size ? bytes.subarray(pos).toString('utf8') : '';
  if (length < 0) {
    throw new FuncError(`the substring length ${length} is negative`);
  }
  return bytes.subarray(pos, pos + length).toString('utf8');
}

/** Go's strings.Replace(s, old, new, n) with n = 1 or -1. */
function replaceText(s: string, old: string, repl: string, n: 1 | -1): string {
  if (old === '') {
    // Go inserts the replacement before every character and at the end.
    const chars = Array.from(s);
    if (n === 1) return repl + s;
    return repl + chars.map((c) => c + repl).join('');
  }
  return n === 1 ? s.replace(old, () => repl) : s.split(old).join(repl);
}

function replace(value: string, args: string[], n: 1 | -1): string {
  if (args.length === 0) return value;
  return replaceText(value, args[0] as string, args[1] ?? '', n);
}

function replacePrefix(value: string, args: string[]): string {
  if (args.length !== 2) return value;
  const [prefix, repl] = args as [string, string];
  return value.startsWith(prefix) ? replaceText(value, prefix, repl, 1) : value;
}

function replaceSuffix(value: string, args: string[]): string {
  if (args.length !== 2) return value;
  const [suffix, repl] = args as [string, string];
  return value.endsWith(suffix) ? value.slice(0, value.length - suffix.length) + repl : value;
}

function trimPrefix(value: string, pattern: string | undefined, longest: boolean): string {
  if (pattern === undefined) return value;
  return trim(Array.from(value), Array.from(pattern), longest).join('');
}

/** Suffix removal reverses the value and the pattern, as Drone does. */
function trimSuffix(value: string, pattern: string | undefined, longest: boolean): string {
  if (pattern === undefined) return value;
  const reversed = trim(Array.from(value).reverse(), Array.from(pattern).reverse(), longest);
  return reversed.reverse().join('');
}

/** trimShortest / trimLongest: try every non-empty prefix, longest first. */
function trim(s: string[], pattern: string[], longest: boolean): string[] {
  let shortest = 0;
  for (let i = 0; i < s.length; i++) {
    const end = s.length - i;
    const m = pathMatch(pattern, s.slice(0, end));
    if (m === 'error') return s;
    if (m) {
      if (longest) return s.slice(end);
      shortest = end;
    }
  }
  return shortest > 0 ? s.slice(shortest) : s;
}

// ------------------------------------------------ envsubst/path.Match

/** drone/envsubst's copy of path.Match, in which `*` and `?` also match '/'. */
export function pathMatch(pattern: string[], name: string[]): boolean | 'error' {
  let p = pattern;
  let n = name;
  outer: while (p.length > 0) {
    const { star, chunk, rest } = scanChunk(p);
    p = rest;
    if (star && chunk.length === 0) return true;
    const first = matchChunk(chunk, n);
    if (first !== null && first !== 'error' && (first.length === 0 || p.length > 0)) {
      n = first;
      continue;
    }
    if (first === 'error') return 'error';
    if (star) {
      for (let i = 0; i < n.length; i++) {
        const t = matchChunk(chunk, n.slice(i + 1));
        if (t !== null && t !== 'error') {
          if (p.length === 0 && t.length > 0) continue;
          n = t;
          continue outer;
        }
        if (t === 'error') return 'error';
      }
    }
    return false;
  }
  return n.length === 0;
}

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let p = pattern;
  let star = false;
  while (p.length > 0 && p[0] === '*') {
    p = p.slice(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  scan: for (; i < p.length; i++) {
    switch (p[i]) {
      case '\\':
        if (i + 1 < p.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
    }
  }
  return { star, chunk: p.slice(0, i), rest: p.slice(i) };
}

/** Returns the rest of s after the chunk, null when it does not match, 'error' for a bad pattern. */
function matchChunk(chunkIn: string[], sIn: string[]): string[] | null | 'error' {
  let chunk = chunkIn;
  let s = sIn;
  while (chunk.length > 0) {
    if (s.length === 0) return null;
    const c = chunk[0] as string;
    if (c === '[') {
      const r = (s[0] as string).codePointAt(0) as number;
      s = s.slice(1);
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk[0] === '^') {
        negated = true;
        chunk = chunk.slice(1);
      }
      let match = false;
      let ranges = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === ']' && ranges > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const lo = getEsc(chunk);
        if (lo === null) return 'error';
        chunk = lo.rest;
        let hi = lo.r;
        if (chunk[0] === '-') {
          const h = getEsc(chunk.slice(1));
          if (h === null) return 'error';
          chunk = h.rest;
          hi = h.r;
        }
        if (lo.r <= r && r <= hi) match = true;
        ranges++;
      }
      if (match === negated) return null;
    } else if (c === '?') {
      s = s.slice(1);
      chunk = chunk.slice(1);
    } else {
      let literal = c;
      if (c === '\\') {
        chunk = chunk.slice(1);
        if (chunk.length === 0) return 'error';
        literal = chunk[0] as string;
      }
      if (literal !== s[0]) return null;
      s = s.slice(1);
      chunk = chunk.slice(1);
    }
  }
  return s;
}

function getEsc(chunkIn: string[]): { r: number; rest: string[] } | null {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') return null;
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) return null;
  }
  const r = (chunk[0] as string).codePointAt(0) as number;
  const rest = chunk.slice(1);
  if (rest.length === 0) return null;
  return { r, rest };
}
