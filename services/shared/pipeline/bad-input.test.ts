// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold Drone ${...} syntax on purpose
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, lintPipeline } from './compile.js';
import { lintErrors } from './compile.test-support.js';
import { testBuild } from './testing.js';

function first(text: string): string {
  const r = lintPipeline(text);
  expect(r.ok).toBe(false);
  const e = r.errors[0]!;
  return `${e.line}:${e.column} ${e.message}`;
}

describe('bad input is refused with a located sentence, never an exception', () => {
  it('text that is not YAML', () => {
    expect(first('kind: pipeline\nsteps:\n  - name: "unclosed\n')).toMatch(
      /^3:\d+ invalid YAML: missing closing "quote.*; .+/,
    );
    expect(first('kind: pipeline\nsteps: [a, b\n')).toMatch(/^\d+:\d+ invalid YAML: /);
    expect(first('a: b: c\n')).toBe(
      "1:4 invalid YAML: nested mappings are not allowed in compact mappings; check the indentation of this line and the next (a line indented under a value continues it, and its ': ' then reads as a nested mapping); quote the value if it contains ': '",
    );
    // one syntax mistake gives one error, not the parser's follow-on complaints
    expect(lintPipeline('kind: pipeline\nsteps:\n- name: a\n   image: x\n').errors).toHaveLength(1);
  });

  it('tabs used for indentation', () => {
    expect(first('kind: pipeline\nsteps:\n\t- name: a\n')).toBe(
      '3:1 invalid YAML: line 3 is indented with a tab; YAML needs spaces for indentation, replace the tabs with spaces',
    );
  });

  // Parsing it would take the YAML reader about a minute; the test's timeout catches that.
  it('a 20 MB file, refused at once with its size', { timeout: 30_000 }, () => {
    const big = Buffer.from(
      `kind: pipeline\nsteps:\n${'- {name: a, image: b}\n'.repeat(1_000_000)}`,
    ).toString();
    expect(lintErrors(big)).toEqual([
      '1:1 the file is 21.0 MiB, over the 1.0 MiB limit for pipeline files; make it smaller',
    ]);
    expect(lintPipeline('kind: pipeline\n', { maxBytes: 10 }).errors[0]?.message).toBe(
      'the file is 15 bytes, over the 10 bytes limit for pipeline files; make it smaller',
    );
  });

  it('an alias bomb', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'kind: pipeline',
      'steps: [{name: a, image: x, commands: *g}]',
    ].join('\n');
    const value = lintPipeline(bomb);
    expect(value.errors[0]?.message).toContain('too many YAML nodes once its aliases are followed');
    expect(value.errors[0]?.line).toBeGreaterThanOrEqual(1);
  });

  // The YAML reader alone takes many seconds on each of these; the test's timeout catches that.
  it('shapes the YAML reader is slow on: many aliases, deep brackets, long "- - -" lines', {
    timeout: 30_000,
  }, () => {
    const cases = [
      `a: &a [x]\nb: [${'*a,'.repeat(20_000)}]\n`,
      `a: ${'['.repeat(50_000)}`,
      `a: ${'- '.repeat(50_000)}`,
    ];
    for (const text of cases) {
      const value = lintPipeline(text);
      expect(value.ok).toBe(false);
      expect(value.errors[0]?.message).toMatch(/more than \d+ (aliases|levels|lists)/);
    }
  });

  it('an empty file, only comments, a scalar document and a list document', () => {
    expect(first('')).toBe("1:1 the file is empty; add a pipeline ('kind: pipeline' with steps:)");
    expect(first('# just a comment\n\n')).toBe(
      "1:1 the file is empty; add a pipeline ('kind: pipeline' with steps:)",
    );
    expect(first('hello\n')).toMatch(/^1:1 the file is a single value, not a pipeline; /);
    expect(first('- a\n- b\n')).toMatch(/^1:1 the file is a list, not a pipeline; /);
    expect(first('kind: pipeline\nsteps: [{name: a, image: x}]\n---\njust text\n')).toBe(
      "4:1 a document must be a mapping starting with 'kind: pipeline', not a single value",
    );
  });

  it('wrong types in 0.8 and 1.x', () => {
    expect(first('pipeline:\n  a:\n    image: x\n    environment: [1, [2]]\n')).toBe(
      "4:22 step 'a' environment list items must be NAME=value strings",
    );
    expect(first('kind: pipeline\nsteps:\n- name: a\n  image: x\n  environment:\n    A: [1]\n')).toBe(
      "6:8 step 'a' environment: A must be a single value or 'from_secret: NAME', not a list; quote it to pass it as text",
    );
    expect(first('kind: pipeline\nsteps:\n- name: a\n  image: x\n  when: push\n')).toBe(
      "5:9 when of step 'a' must be a mapping of conditions like 'branch: master', not a single value",
    );
    expect(first('kind: pipeline\ntrigger:\n  branch: {includes: [a]}\nsteps: [{name: a, image: x}]\n')).toBe(
      "3:11 trigger of pipeline 'default': branch unknown key 'includes'; use include and exclude, each a string or a list of strings",
    );
    expect(first('kind: pipeline\nsteps:\n- name: a\n  image: x\n  mem_limit: lots\n')).toBe(
      "5:14 step 'a': mem_limit must be a size such as 512m, 2g or a number of bytes",
    );
  });

  it('CRLF line endings and a byte order mark compile as if they were not there', () => {
    const text =
      '\ufeffkind: pipeline\r\nsteps:\r\n- name: a\r\n  image: x\r\n  commands:\r\n  - echo hi\r\n';
    const r = compile(text, testBuild());
    expect(r.errors).toEqual([]);
    expect(r.jobs[0]?.steps[0]?.commands).toEqual(['echo hi']);
    const bad = lintPipeline('kind: pipeline\r\nsteps:\r\n- name: a\r\n  imgae: x\r\n');
    expect(bad.errors.map((e) => `${e.line}:${e.column}`)).toContain('4:3');
  });

  it('formats a diagnostic as FILE:LINE:COL: message, warnings marked', () => {
    expect(formatDiagnostic('ci.yml', { severity: 'error', line: 3, column: 7, message: 'x' })).toBe(
      'ci.yml:3:7: x',
    );
    expect(formatDiagnostic('ci.yml', { severity: 'warning', line: 1, column: 1, message: 'y' })).toBe(
      'ci.yml:1:1: warning: y',
    );
  });

  it('reports a malformed ${...} as a warning at its place and keeps the text', () => {
    const r = compile(
      'kind: pipeline\nsteps:\n- name: a\n  image: x\n  commands: ["echo ${}"]\n',
      testBuild(),
    );
    expect(r.ok).toBe(true);
    expect(r.warnings.some((w) => w.line === 5 && /\$\{/.test(w.message))).toBe(true);
  });
});
