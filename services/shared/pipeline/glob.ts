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
import { doublestarMatch } from './glob-doublestar.js';
import { filepathMatch } from './glob-filepath.js';

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
