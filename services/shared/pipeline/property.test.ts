import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, lintPipeline } from './compile.js';
import { testBuild } from './testing.js';
import type { Diagnostic } from './types.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const corpusRoot = resolve(repoRoot, '..', 'shared', 'corpus');
const corpus = ['drone-0.8', 'drone-1.x'].flatMap((dir) =>
  readdirSync(join(corpusRoot, dir))
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => readFileSync(join(corpusRoot, dir, f), 'utf8')),
);

function located(list: Diagnostic[], text: string): void {
  const lines = text.split('\n').length;
  for (const d of list) {
    expect(Number.isInteger(d.line) && d.line >= 1 && d.line <= Math.max(lines, 1)).toBe(true);
    expect(Number.isInteger(d.column) && d.column >= 1).toBe(true);
    expect(d.message.length).toBeGreaterThan(10);
    expect(d.message).not.toContain('please report');
  }
}

function check(text: string): void {
  const linted = lintPipeline(text);
  located(linted.errors, text);
  located(linted.warnings, text);
  expect(linted.ok).toBe(linted.errors.length === 0);
  const compiled = compile(text, testBuild());
  located(compiled.errors, text);
  if (!compiled.ok) expect(compiled.errors.length).toBeGreaterThan(0);
}

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'insert'; at: number; col: number; text: string }
  | { kind: 'indent'; at: number; by: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    col: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom(
        ':',
        '- ',
        '&a ',
        '*a',
        '<<: *a',
        '\t',
        '"',
        "'",
        '[',
        '{',
        '}',
        '${',
        '$$',
        '#',
        '---',
        '...',
        '|',
      ),
    ),
  }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);

function apply(text: string, mutations: Mutation[]): string {
  const lines = text.split('\n');
  for (const m of mutations) {
    if (lines.length === 0) break;
    const n = lines.length;
    if (m.kind === 'delete') lines.splice(m.at % n, 1);
    else if (m.kind === 'duplicate') lines.splice(m.at % n, 0, lines[m.at % n]!);
    else if (m.kind === 'swap') {
      const a = lines[m.a % n]!;
      lines[m.a % n] = lines[m.b % n]!;
      lines[m.b % n] = a;
    } else if (m.kind === 'insert') {
      const line = lines[m.at % n]!;
      const col = m.col % (line.length + 1);
      lines[m.at % n] = line.slice(0, col) + m.text + line.slice(col);
    } else {
      const line = lines[m.at % n]!;
      lines[m.at % n] = m.by >= 0 ? ' '.repeat(m.by) + line : line.replace(new RegExp(`^ {0,${-m.by}}`), '');
    }
  }
  return lines.join('\n');
}

describe('no input crashes the compiler', () => {
  it('has corpus files to mutate', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
  });

  it('mutated corpus files (lines deleted, duplicated, swapped, re-indented, characters inserted)', () => {
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.array(mutation, { minLength: 1, maxLength: 8 }), (i, ms) => {
        check(apply(corpus[i]!, ms));
      }),
      { numRuns: 400, seed: 20_24 },
    );
  });

  it('random text and random YAML-looking text', () => {
    const yamlish = fc
      .array(
        fc.tuple(
          fc.integer({ min: 0, max: 6 }),
          fc.constantFrom(
            'kind',
            'pipeline',
            'steps',
            'name',
            'image',
            'commands',
            'when',
            'settings',
            '- ',
            'x',
            '',
          ),
          fc.constantFrom(': ', ':', ' ', ': [', ': {', ': &a', ': *a', ': |', '- ', ''),
          fc.string({ maxLength: 8 }),
        ),
        { maxLength: 30 },
      )
      .map((rows) =>
        rows.map(([indent, key, sep, value]) => `${' '.repeat(indent)}${key}${sep}${value}`).join('\n'),
      );
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), yamlish),
        (text) => {
          check(text);
        },
      ),
      { numRuns: 600, seed: 7 },
    );
  });
});
