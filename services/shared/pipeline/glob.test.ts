import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globDialect, globMatch } from './glob.js';

describe('globMatch', () => {
  // [pattern, value, Drone 0.8 (Go path/filepath.Match), Drone 1.x (doublestar v1)].
  // The first 56 rows are Go's own match_test.go vectors; a malformed pattern
  // (Go's ErrBadPattern) counts as no match, as in Drone. Every expected value
  // was checked against the Go implementations.
  const vectors: [string, string, boolean, boolean][] = [
    ['abc', 'abc', true, true],
    ['*', 'abc', true, true],
    ['*c', 'abc', true, true],
    ['a*', 'a', true, true],
    ['a*', 'abc', true, true],
    ['a*', 'ab/c', false, false],
    ['a*/b', 'abc/b', true, true],
    ['a*/b', 'a/c/b', false, false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true, true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true, true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false, false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false, false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true, true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false, false],
    ['ab[c]', 'abc', true, true],
    ['ab[b-d]', 'abc', true, true],
    ['ab[e-g]', 'abc', false, false],
    ['ab[^c]', 'abc', false, false],
    ['ab[^b-d]', 'abc', false, false],
    ['ab[^e-g]', 'abc', true, true],
    ['a\\*b', 'a*b', true, true],
    ['a\\*b', 'ab', false, false],
    ['a?b', 'a☺b', true, true],
    ['a[^a]b', 'a☺b', true, true],
    ['a???b', 'a☺b', false, false],
    ['a[^a][^a][^a]b', 'a☺b', false, false],
    ['[a-ζ]*', 'α', true, true],
    ['*[a-ζ]', 'A', false, false],
    ['a?b', 'a/b', false, false],
    ['a*b', 'a/b', false, false],
    ['[\\]a]', ']', true, true],
    ['[\\-]', '-', true, true],
    ['[x\\-]', 'x', true, true],
    ['[x\\-]', '-', true, true],
    ['[x\\-]', 'z', false, false],
    ['[\\-x]', 'x', true, true],
    ['[\\-x]', '-', true, true],
    ['[\\-x]', 'a', false, false],
    ['[]a]', ']', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[-]', '-', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[x-]', 'x', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[x-]', '-', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[x-]', 'z', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[-x]', 'x', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[-x]', '-', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[-x]', 'a', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['\\', 'a', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[a-b-c]', 'a', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[', 'a', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[^', 'a', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['[^bc', 'a', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['a[', 'a', false, false], // filepath: bad pattern
    ['a[', 'ab', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['a[', 'x', false, false], // filepath: bad pattern
    ['a/b[', 'x', false, false], // filepath: bad pattern
    ['*x', 'xxx', true, true],
    ['feature/*', 'feature/foo', true, true],
    ['feature/*', 'feature/foo/bar', false, false],
    ['feature/**', 'feature/foo/bar', false, true],
    ['refs/tags/**', 'refs/tags/v1', true, true],
    ['refs/pull/*/head', 'refs/pull/42/head', true, true],
    ['*', 'feature/x', false, false],
    ['*', '', true, true],
    ['[!a]', '!', true, true],
    ['[!a]', 'b', false, false],
    ['{a,b}', 'a', false, true],
    ['release-{1,2}', 'release-1', false, true],
    ['*[^a]*', 'c/', false, false],
    ['refs/heads/**', 'refs/heads/a/b', false, true],
    ['refs/heads/**', 'refs/heads', false, false],
    ['**', 'a/b/c', false, true],
    ['**/c', 'c', false, true],
    ['a/**/b', 'a/b', false, true],
    ['a/**/d', 'a/b/c/d', false, true],
    ['abc**', 'abc/b', false, false],
    ['ab{c,d,*}', 'abcde', false, true],
    ['ab{c,d}[', 'abcd', false, false], // filepath: bad pattern; doublestar: bad pattern
    ['a/\\**', 'a/b/c', false, false],
    ['*/', 'a/', true, true],
    ['/*', '/', true, true],
    ['*', '/', false, false],
    ['a[/]b', 'a/b', true, false],
    ['v[0-9]*', 'v1.2.3', true, true],
    ['v[0-9]*', 'version', false, false],
    ['master', 'master', true, true],
    ['master', 'main', false, false],
  ];

  it.each(vectors)('%s against %s: 0.8 %s, 1.x %s', (pattern, value, filepath, doublestar) => {
    expect(globMatch(pattern, value, 'filepath')).toBe(filepath);
    expect(globMatch(pattern, value, 'doublestar')).toBe(doublestar);
  });

  it('uses the 1.x rules by default and picks the rules by file format', () => {
    expect(globMatch('refs/pull/**', 'refs/pull/42/head')).toBe(true);
    expect(globDialect('1.x')).toBe('doublestar');
    expect(globDialect('0.8')).toBe('filepath');
    expect(globMatch('refs/pull/**', 'refs/pull/42/head', globDialect('0.8'))).toBe(false);
  });

  it('keeps Go greediness: a class may take a slash, and is never revisited', () => {
    // Go's chunk matcher gives the first position that fits to '[^a]' and then
    // fails on the trailing '*'; a backtracking matcher would say yes.
    expect(globMatch('*[^a]*', 'c/', 'filepath')).toBe(false);
    expect(globMatch('a[/]b', 'a/b', 'filepath')).toBe(true);
  });
});

const literalChar = fc.constantFrom('a', 'b', 'z', '0', '9', '-', '_', '.', 'é', '😀');

describe('globMatch properties', () => {
  it('a pattern without special characters matches exactly itself', () => {
    fc.assert(
      fc.property(
        fc.array(literalChar, { maxLength: 12 }),
        fc.array(literalChar, { maxLength: 12 }),
        (p, v) => {
          const pattern = p.join('');
          const value = v.join('');
          for (const dialect of ['filepath', 'doublestar'] as const) {
            expect(globMatch(pattern, value, dialect)).toBe(pattern === value);
          }
        },
      ),
    );
  });

  it("'*' matches any value without a slash, and no value with one", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(globMatch('*', value, 'filepath')).toBe(!value.includes('/'));
        // doublestar v1 splits the value on '/' too, but not on an escaped '\\/',
        // so there a backslash before a slash keeps the two in one component.
        if (!value.includes('\\/')) expect(globMatch('*', value, 'doublestar')).toBe(!value.includes('/'));
      }),
    );
  });

  it('doublestar keeps an escaped slash in the value inside one component, as Drone 1.x does', () => {
    expect(globMatch('*', '\\/', 'doublestar')).toBe(true);
    expect(globMatch('*', '\\/', 'filepath')).toBe(false);
  });

  it("1.x 'prefix/**' matches every path below the prefix", () => {
    const segment = fc.array(literalChar, { minLength: 1, maxLength: 5 }).map((c) => c.join(''));
    fc.assert(
      fc.property(segment, fc.array(segment, { minLength: 1, maxLength: 4 }), (prefix, rest) => {
        expect(globMatch(`${prefix}/**`, `${prefix}/${rest.join('/')}`)).toBe(true);
        expect(globMatch(`${prefix}/*`, `${prefix}/${rest.join('/')}`)).toBe(rest.length === 1);
      }),
    );
  });

  it('never throws', () => {
    const char = fc.constantFrom('*', '?', '[', ']', '^', '-', '\\', '{', '}', ',', '/', 'a', 'é');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 16 }), fc.array(char, { maxLength: 16 }), (p, v) => {
        globMatch(p.join(''), v.join(''), 'filepath');
        globMatch(p.join(''), v.join(''), 'doublestar');
      }),
      { numRuns: 2000 },
    );
  });
});
