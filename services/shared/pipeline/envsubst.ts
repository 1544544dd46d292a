/**
 * Drone's `${...}` substitution, applied to the raw pipeline file before it is
 * parsed. A port of github.com/drone/envsubst (scanner, parser and functions),
 * quirks included, so a file behaves as it did on Drone:
 *
 * - only `${NAME...}` is substituted; a bare `$NAME` is left as written;
 * - `$$` writes one `$` (so `$${NAME}` reaches the shell as `${NAME}`);
 * - outside `${...}`, `\\` writes `\` and `\/` writes `/` (Drone's scanner
 *   treats both as escapes in plain text too);
 * - unknown variables are empty; a malformed `${...}` is an error, and
 *   `substitute` then returns the text unchanged (as Drone's Eval does).
 *
 * Where Go counts bytes (`${#VAR}`, `${VAR:1:2}`) this does too (UTF-8).
 * Prefix/suffix removal patterns are matched on characters.
 */
import { applyFunc, FuncError } from './envsubst-funcs.js';
import { type Node, parse, SubstitutionError } from './envsubst-parse.js';

export { SubstitutionError } from './envsubst-parse.js';

export type Lookup = (name: string) => string | undefined;

export type SubstituteResult = { ok: true; text: string } | { ok: false; text: string; error: string };

/** Substitutes `${...}` expressions; on a malformed expression returns `text` unchanged. */
export function substitute(text: string, lookup: (name: string) => string | undefined): string {
  const result = trySubstitute(text, lookup);
  return result.text;
}

/**
 * Like substitute, but says what went wrong: the error is a sentence with the
 * line and column of the `${` that could not be read.
 */
export function trySubstitute(text: string, lookup: Lookup): SubstituteResult {
  try {
    const bytes = Buffer.from(text, 'utf8');
    return { ok: true, text: Buffer.concat(evaluate(parse(bytes), lookup, [])).toString('utf8') };
  } catch (err) {
    if (err instanceof SubstitutionError) {
      const where = position(text, err.offset);
      return {
        ok: false,
        text,
        error: `line ${where.line}, column ${where.column}: ${err.message} in a \${...} expression; write $\${...} (two dollar signs) to keep it as text`,
      };
    }
    if (err instanceof FuncError) {
      const where = position(text, err.offset);
      return {
        ok: false,
        text,
        error: `line ${where.line}, column ${where.column}: ${err.message} in a \${VAR:offset:length} expression; use a length of 0 or more`,
      };
    }
    throw err;
  }
}

/**
 * A lookup over a map of variables, as Drone builds it: unknown names are
 * empty, and values containing a newline are quoted (see quoteMultiline).
 */
export function lookupIn(vars: Record<string, string>): Lookup {
  return (name) => (Object.hasOwn(vars, name) ? quoteMultiline(vars[name] as string) : undefined);
}

/**
 * Drone's lookup wrapper: a value containing a newline is written as a Go
 * double-quoted string (`"line1\nline2"`) so it cannot break the YAML.
 */
export function quoteMultiline(value: string): string {
  return value.includes('\n') ? goQuote(value) : value;
}

/** Appends the node's output to out (UTF-8 pieces) and returns out. */
function evaluate(node: Node, lookup: Lookup, out: Buffer[]): Buffer[] {
  switch (node.kind) {
    case 'text':
      out.push(node.value);
      return out;
    case 'list':
      for (const n of node.nodes) evaluate(n, lookup, out);
      return out;
    case 'func': {
      const args = node.args.map((n) => Buffer.concat(evaluate(n, lookup, [])).toString('utf8'));
      // A lookup over a plain object can hand back inherited members
      // ('constructor'); anything but a string counts as unset.
      const found: unknown = lookup(node.param);
      const value = typeof found === 'string' ? found : '';
      try {
        out.push(Buffer.from(applyFunc(node.name, value, args), 'utf8'));
      } catch (err) {
        if (err instanceof FuncError) err.offset = node.offset;
        throw err;
      }
      return out;
    }
  }
}

/** 1-based line and column (in characters) of a UTF-8 byte offset into text. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, offset).toString('utf8');
  const line = before.split('\n').length;
  const column = Array.from(before.slice(before.lastIndexOf('\n') + 1)).length + 1;
  return { line, column };
}

/** Go's strconv.Quote (fmt's %q) for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0) as number;
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\t') out += '\\t';
    else if (c === '\r') out += '\\r';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (isGoPrintable(c)) out += c;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isGoPrintable(c: string): boolean {
  return c === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(c);
}
