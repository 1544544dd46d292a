import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { axisLabel, expandMatrix, MATRIX_AXIS_LIMIT, MATRIX_KEY_LIMIT } from './matrix.js';

describe('cncd/pipeline matrix_test.go', () => {
  it('TestMatrix: 2 x 2 x 3 x 2 axes give 24 distinct combinations', () => {
    const axes = expandMatrix({
      axes: {
        go_version: ['go1', 'go1.2'],
        python_version: ['3.2', '3.3'],
        django_version: ['1.7', '1.7.1', '1.7.2'],
        redis_version: ['2.6', '2.8'],
      },
    });
    if ('error' in axes) throw new Error(axes.error);
    expect(axes).toHaveLength(24);
    expect(new Set(axes.map(axisLabel)).size).toBe(24);
  });

  it('TestMatrixEmpty: no matrix, no axes', () => {
    expect(expandMatrix(undefined)).toEqual([]);
    expect(expandMatrix({ axes: {} })).toEqual([]);
  });

  it('TestMatrixIncluded: the include list, as written', () => {
    const axes = expandMatrix({
      axes: {},
      include: [
        { go_version: '1.5', python_version: '3.4' },
        { go_version: '1.6', python_version: '3.4' },
      ],
    });
    expect(axes).toEqual([
      { go_version: '1.5', python_version: '3.4' },
      { go_version: '1.6', python_version: '3.4' },
    ]);
  });
});

describe('expandMatrix', () => {
  it('varies the first key slowest, in the order the keys are written', () => {
    expect(expandMatrix({ axes: { GO: ['1.21', '1.22'], DB: ['pg', 'mysql', 'sqlite'] } })).toEqual([
      { GO: '1.21', DB: 'pg' },
      { GO: '1.21', DB: 'mysql' },
      { GO: '1.21', DB: 'sqlite' },
      { GO: '1.22', DB: 'pg' },
      { GO: '1.22', DB: 'mysql' },
      { GO: '1.22', DB: 'sqlite' },
    ]);
  });

  it('prefers include over the product, as Drone does', () => {
    expect(expandMatrix({ axes: { GO: ['1', '2'] }, include: [{ GO: '3' }] })).toEqual([{ GO: '3' }]);
  });

  it('does not limit include lists, as Drone does not', () => {
    const include = Array.from({ length: 40 }, (_, i) => ({ N: String(i) }));
    expect(expandMatrix({ axes: {}, include })).toHaveLength(40);
  });

  it('runs the 27 combinations Drone runs in full, and refuses more instead of dropping them', () => {
    expect(MATRIX_AXIS_LIMIT).toBe(27);
    expect(
      expandMatrix({ axes: { A: ['1', '2', '3'], B: ['1', '2', '3'], C: ['1', '2', '3'] } }),
    ).toHaveLength(27);
    expect(
      expandMatrix({ axes: { A: ['1', '2', '3', '4'], B: ['1', '2', '3', '4', '5', '6', '7'] } }),
    ).toEqual({
      error:
        'matrix expands to 28 combinations; at most 27 are allowed, so remove values or list the combinations you need under matrix include',
    });
  });

  it('allows 12 keys and refuses 13', () => {
    expect(MATRIX_KEY_LIMIT).toBe(12);
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`K${i}`, ['x']]));
    const twelve = expandMatrix({ axes: keys(12) });
    if ('error' in twelve) throw new Error(twelve.error);
    expect(Object.keys(twelve[0] ?? {})).toHaveLength(12);
    const thirteen = expandMatrix({ axes: keys(13) });
    expect(thirteen).toHaveProperty('error');
    if ('error' in thirteen)
      expect(thirteen.error).toMatch(/^matrix has 13 keys \(K0, K1, .*K12\); at most 12/);
  });

  it('refuses a key without values, which crashes Drone', () => {
    expect(expandMatrix({ axes: { GO: ['1.22'], DB: [] } })).toEqual({
      error: 'matrix key DB has no values; give it at least one value or remove it',
    });
  });

  it('returns copies the caller may change', () => {
    const include = [{ GO: '1' }];
    const axes = expandMatrix({ axes: {}, include });
    if ('error' in axes) throw new Error(axes.error);
    (axes[0] as Record<string, string>).GO = 'changed';
    expect(include[0]?.GO).toBe('1');
  });

  it('labels an axis as Drone does', () => {
    expect(axisLabel({ GO: '1.22', DB: 'pg' })).toBe('GO=1.22 DB=pg');
  });
});

describe('expandMatrix properties', () => {
  const values = fc.uniqueArray(fc.stringMatching(/^[a-z0-9.]{1,4}$/), { minLength: 1, maxLength: 3 });
  const matrix = fc.dictionary(fc.stringMatching(/^[A-Z][A-Z_]{0,6}$/), values, { minKeys: 1, maxKeys: 3 });

  it('gives every combination exactly once', () => {
    fc.assert(
      fc.property(matrix, (axes) => {
        const result = expandMatrix({ axes });
        if ('error' in result) throw new Error(result.error);
        const total = Object.values(axes).reduce((n, v) => n * v.length, 1);
        expect(result).toHaveLength(total);
        expect(new Set(result.map((a) => JSON.stringify(a))).size).toBe(total);
        for (const axis of result) {
          expect(Object.keys(axis)).toEqual(Object.keys(axes));
          for (const [key, value] of Object.entries(axis)) expect(axes[key]).toContain(value);
        }
      }),
    );
  });
});
