// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are ${...} expressions under test, not templates.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { goQuote, lookupIn, quoteMultiline, substitute, trySubstitute } from './envsubst.js';
import { applyFunc } from './envsubst-funcs.js';

const from = (vars: Record<string, string>) => (name: string) => vars[name];

describe('drone/envsubst eval_test.go vectors', () => {
  // Every case of TestExpand in github.com/drone/envsubst (eval_test.go).
  const vectors: [Record<string, string>, string, string][] = [
    [{}, 'abcdEFGH28ij', 'abcdEFGH28ij'],
    [{ var01: 'abcdEFGH28ij' }, '${#var01}', '12'],
    [{ var01: 'abcdEFGH28ij' }, '${var01^}', 'AbcdEFGH28ij'],
    [{ var01: 'abcdEFGH28ij' }, '${var01^^}', 'ABCDEFGH28IJ'],
    [{ var01: 'ABCDEFGH28IJ' }, '${var01,}', 'aBCDEFGH28IJ'],
    [{ var01: 'ABCDEFGH28IJ' }, '${var01,,}', 'abcdefgh28ij'],
    [{ path_name: '/home/bozo/ideas/thoughts.for.today' }, '${path_name:11}', 'ideas/thoughts.for.today'],
    [{ path_name: '/home/bozo/ideas/thoughts.for.today' }, '${path_name:11:5}', 'ideas'],
    [{ var: 'abc' }, '${var=xyz}', 'abc'],
    [{}, '${var=xyz}', 'xyz'],
    [{ default_var: 'foo' }, 'something ${var=${default_var}}', 'something foo'],
    [{ default_var: 'foo1' }, 'foo: ${var=${default_var}-suffix}', 'foo: foo1-suffix'],
    [{ default_var: 'foo1' }, 'foo: ${var=prefix${default_var}-suffix}', 'foo: prefixfoo1-suffix'],
    [{}, '${var:=xyz}', 'xyz'],
    [{ stringZ: 'abcABC123ABCabc' }, '${stringZ/%abc/XYZ}', 'abcABC123ABCXYZ'],
    [{ stringZ: 'abcABC123ABCabc' }, '${stringZ/#abc/XYZ}', 'XYZABC123ABCabc'],
    [{ stringZ: 'abcABC123ABCabc' }, '${stringZ//abc/xyz}', 'xyzABC123ABCxyz'],
    [{ stringZ: 'abcABC123ABCabc' }, '${stringZ/abc/xyz}', 'xyzABC123ABCabc'],
    [{ filename: 'bash.string.txt' }, '${filename#*.}', 'string.txt'],
    [{ filename: 'path/to/file' }, '${filename#*/}', 'to/file'],
    [{ filename: '/path/to/file' }, '${filename#*/}', 'path/to/file'],
    [{ filename: 'bash.string.txt' }, '${filename##*.}', 'txt'],
    [{ filename: 'path/to/file' }, '${filename##*/}', 'file'],
    [{ filename: '/path/to/file' }, '${filename##*/}', 'file'],
    [{ filename: 'bash.string.txt' }, '${filename%.*}', 'bash.string'],
    [{ filename: 'bash.string.txt' }, '${filename%%.*}', 'bash'],
    [{ var01: 'abcdEFGH28ij' }, '${var=${var01^^}}', 'ABCDEFGH28IJ'],
    [{ var01: 'abcdEFGH28ij' }, '$${var01}', '${var01}'],
    [
      { var01: 'abcdEFGH28ij' },
      'some text ${var01}$${var$${var01}$var01${var01}',
      'some text abcdEFGH28ij${var${var01}$var01abcdEFGH28ij',
    ],
    [{ default_var: 'foo' }, 'something $${var=${default_var}}', 'something ${var=foo}'],
    [{ stringZ: 'foo/bar' }, '${stringZ/\\//-}', 'foo-bar'],
    [{ stringZ: 'foo/bar/baz' }, '${stringZ//\\//-}', 'foo-bar-baz'],
    [{ stringZ: 'foo.bar' }, '${stringZ/./}', 'foobar'],
  ];

  it.each(vectors)('%j: %s', (vars, input, output) => {
    const result = trySubstitute(input, from(vars));
    expect(result).toEqual({ ok: true, text: output });
  });
});

describe('drone/envsubst funcs_test.go vectors', () => {
  it('length, case and default functions', () => {
    expect(applyFunc('#', 'Hello World', [])).toBe('11');
    expect(applyFunc(',,', 'Hello World', [])).toBe('hello world');
    expect(applyFunc(',', 'HELLO WORLD', [])).toBe('hELLO WORLD');
    expect(applyFunc(',', '', [])).toBe('');
    expect(applyFunc('^^', 'Hello World', [])).toBe('HELLO WORLD');
    expect(applyFunc('^', 'hello world', [])).toBe('Hello world');
    expect(applyFunc('^', '', [])).toBe('');
    expect(applyFunc(':-', 'Hello World', ['Hola Mundo'])).toBe('Hello World');
    expect(applyFunc(':-', '', ['Hola Mundo'])).toBe('Hola Mundo');
    expect(applyFunc(':-', '', ['Hola Mundo', '-Bonjour le monde', '-Halló heimur'])).toBe(
      'Hola Mundo-Bonjour le monde-Halló heimur',
    );
  });

  it('substrings', () => {
    const s = '123456789123456789';
    expect(applyFunc(':', s, ['0', '8'])).toBe('12345678');
    expect(applyFunc(':', s, ['1', '8'])).toBe('23456789');
    expect(applyFunc(':', s, ['9'])).toBe('123456789');
    expect(applyFunc(':', s, ['9', '50'])).toBe('123456789');
    expect(applyFunc(':', s, ['-3', '2'])).toBe('78');
    expect(applyFunc(':', s, ['-300', '3'])).toBe('123');
    expect(applyFunc(':', '12345678', ['9', '1'])).toBe('');
  });
});

describe('corner cases, outputs recorded from drone/envsubst 1.0.3 (Go)', () => {
  const vars = {
    HOME: '/home/user',
    EMPTY: '',
    UNI: 'é😀zé',
    DRONE_COMMIT_SHA: '0123456789abcdef',
    DRONE_TAG: 'v1.2.3',
    DRONE_BRANCH: 'feature/a/b',
  };
  const ERR = null;
  const vectors: [string, string | null][] = [
    ['$HOME and ${HOME}', '$HOME and /home/user'],
    ['$$HOME', '$HOME'],
    ['$${HOME}', '${HOME}'],
    ['$$$${HOME}', '$${HOME}'],
    ['$$$HOME', '$$HOME'],
    ['cost: $5', 'cost: $5'],
    ['trailing $', 'trailing $'],
    ['${', ERR],
    ['${}', ERR],
    ['${HOME', ERR],
    ['${HOME-x}', ERR],
    ['${HOME+x}', ERR],
    ['${UNSET:-fallback}', 'fallback'],
    ['${UNSET:=fallback}', 'fallback'],
    ['${UNSET:+alt}', 'alt'],
    ['${UNSET:?message}', 'message'],
    ['${HOME:-fallback}', '/home/user'],
    ['${HOME:+alt}', '/home/user'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY=fallback}', 'fallback'],
    ['${UNSET=}', ''],
    ['${HOME:0:1}', '/'],
    ['${HOME:-3}', '/home/user'],
    ['${HOME: -3}', '/home/user'],
    ['${HOME:2}', 'ome/user'],
    ['${HOME:1:100}', 'home/user'],
    ['${HOME:100}', ''],
    ['${HOME:x}', '/home/user'],
    ['${HOME:1:x}', '/home/user'],
    ['${HOME/o/0}', '/h0me/user'],
    ['${HOME//o/0}', '/h0me/user'],
    ['${HOME/#\\/home/~}', '~/user'],
    ['${HOME/%user/me}', '/home/me'],
    ['${HOME/#x/}', '/home/user'],
    ['${HOME/o/}', '/hme/user'],
    ['${HOME#*/}', 'home/user'],
    ['${HOME##*/}', 'user'],
    ['${HOME%/*}', '/home'],
    ['${HOME%%/*}', ''],
    ['${HOME#[a-z]}', '/home/user'],
    ['${HOME#?}', 'home/user'],
    ['${HOME%%[^/]*}', '/home/user'],
    ['${HOME^^}', '/HOME/USER'],
    ['${#HOME}', '10'],
    ['${#UNSET}', '0'],
    ['${#}', ERR],
    ['${UNI:1:2}', '\ufffd\ufffd'],
    ['${#UNI}', '9'],
    ['${UNI^^}', 'É😀ZÉ'],
    ['a\\\\b', 'a\\b'],
    ['a\\/b', 'a/b'],
    ['a\\b', 'a\\b'],
    ['C:\\\\path\\\\dir', 'C:\\path\\dir'],
    ['${HOME}${HOME}', '/home/user/home/user'],
    ['${A${HOME}}', ERR],
    ['${HOME:-${UNSET:-deep}}', '/home/user'],
    ['${UNSET:-a}b}', 'ab}'],
    ['${UNSET:-{x}}', '{x}'],
    ['${9VAR}', ''],
    ['${x.y}', ERR],
    ['${HOME }', ERR],
    ['${ HOME}', ERR],
    ['${HOME^^^}', ERR],
    ['${HOME###}', '/home/user'],
    ['${HOME/}', ERR],
    ['${HOME/a}', ERR],
    ['${HOME:}', ERR],
    ['${HOME:1:}', ERR],
    ['${DRONE_COMMIT_SHA:0:8}', '01234567'],
    ['${DRONE_TAG##v}', '1.2.3'],
    ['${DRONE_BRANCH/\\//-}', 'feature-a/b'],
    ['${DRONE_BRANCH//\\//-}', 'feature-a-b'],
    ['echo "$${CI_COMMIT_SHA}"', 'echo "${CI_COMMIT_SHA}"'],
    ['echo $$(date)', 'echo $(date)'],
    ['image: plugins/docker:${DRONE_TAG=latest}', 'image: plugins/docker:v1.2.3'],
  ];

  it.each(vectors)('%s', (input, output) => {
    const result = trySubstitute(input, from(vars));
    if (output === ERR) {
      expect(result.ok).toBe(false);
      expect(result.text).toBe(input);
    } else {
      expect(result).toEqual({ ok: true, text: output });
    }
  });

  it('removes prefixes by characters where Go would cut a UTF-8 sequence', () => {
    // Go gives '\xa9😀zé' (half of 'é' left behind); whole characters here.
    expect(substitute('${UNI#?}', from(vars))).toBe('😀zé');
  });

  it('reports a negative substring length, which crashes Drone, as an error', () => {
    const result = trySubstitute('a: 1\nb: ${HOME:1:-2}', from(vars));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^line 2, column 4: the substring length -2 is negative/);
  });
});

describe('errors and lookups', () => {
  it('names the line and column of the unreadable expression', () => {
    const text = 'kind: pipeline\nsteps:\n  - name: é ${BROKEN\n';
    const result = trySubstitute(text, () => undefined);
    expect(result).toEqual({
      ok: false,
      text,
      error:
        'line 3, column 13: missing closing brace in a ${...} expression; write $${...} (two dollar signs) to keep it as text',
    });
    expect(substitute(text, () => undefined)).toBe(text);
  });

  it('places the error after escapes removed earlier in the text', () => {
    const result = trySubstitute('$$ \\\\ x ${', () => undefined);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^line 1, column 9: /);
  });

  it('treats unknown and inherited names as empty', () => {
    const vars: Record<string, string> = { A: 'a' };
    expect(substitute('[${A}][${B}][${constructor}][${toString}]', (n) => vars[n])).toBe('[a][][][]');
  });

  it('quotes multi-line values the way Drone does, so the YAML stays valid', () => {
    const lookup = lookupIn({ MSG: 'fix: thing\n\nbody "quoted"\ttab', ONE: 'single line' });
    expect(substitute('message: ${MSG}', lookup)).toBe('message: "fix: thing\\n\\nbody \\"quoted\\"\\ttab"');
    expect(substitute('one: ${ONE}', lookup)).toBe('one: single line');
    expect(quoteMultiline('a\nb')).toBe('"a\\nb"');
  });

  it('quotes like Go %q', () => {
    expect(goQuote('é😀\u0007\u007f\u200b\\')).toBe('"é😀\\a\\x7f\\u200b\\\\"');
  });
});

describe('size', () => {
  // Rebuilding the text at every escape, as Go's scanner does, took 17 s for
  // 275 kB and grows with the square of the size; this is 550 kB, and the
  // test's timeout catches a return to that.
  it('handles a large file full of escapes', { timeout: 30_000 }, () => {
    const line = '      - echo "$${HOME} ${BRANCH} $$PATH \\\\ done"\n';
    const text = `steps:\n${line.repeat(10_000)}`;
    const result = substitute(text, (name) => (name === 'BRANCH' ? 'main' : undefined));
    expect(result.split('\n')[10_000]).toBe('      - echo "${HOME} main $PATH \\ done"');
  });
});

describe('properties', () => {
  it('never throws, and returns the text unchanged when it fails', () => {
    const alphabet = fc.constantFrom(
      '$',
      '{',
      '}',
      '\\',
      '/',
      ':',
      '-',
      '=',
      '#',
      '%',
      '^',
      ',',
      'A',
      'a',
      '1',
      'é',
      '\n',
      ' ',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), fc.string(), (chars, value) => {
        const text = chars.join('');
        const result = trySubstitute(text, () => value);
        if (!result.ok) expect(result.text).toBe(text);
        expect(typeof substitute(text, () => value)).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves text without $ or backslash untouched', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('$') && !s.includes('\\')),
        (text) => {
          expect(substitute(text, () => 'X')).toBe(text);
        },
      ),
    );
  });

  it('substitutes a defined variable by its value and $$ by one $', () => {
    fc.assert(
      fc.property(
        fc.string().filter((v) => !v.includes('\n')),
        (value) => {
          expect(substitute('[${V}] $${V}', () => value)).toBe(`[${value}] \${V}`);
        },
      ),
    );
  });
});
