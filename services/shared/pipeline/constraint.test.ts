import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constraint } from './compile.test-support.js';
import { matchConstraint, matchMatrix, toConstraint, toMatrixConstraint } from './conditions.js';

/** One condition's values: include/exclude lists, matrix maps, and how a value matches them. */

describe('cncd/pipeline constraint_test.go: TestConstraint', () => {
  // Each `conf` is what the YAML in the Go test decodes to.
  const vectors: [unknown, string, boolean][] = [
    ['master', 'develop', false],
    ['master', 'master', true],
    ['feature/*', 'feature/foo', true],
    [['master', 'feature/*'], 'develop', false],
    [['master', 'feature/*'], 'master', true],
    [['master', 'feature/*'], 'feature/foo', true],
    [{ include: 'master' }, 'develop', false],
    [{ include: 'master' }, 'master', true],
    [{ include: 'feature/*' }, 'master', false],
    [{ include: 'feature/*' }, 'feature/foo', true],
    [{ include: ['master', 'feature/*'] }, 'develop', false],
    [{ include: ['master', 'feature/*'] }, 'master', true],
    [{ include: ['master', 'feature/*'] }, 'feature/foo', true],
    [{ exclude: 'master' }, 'develop', true],
    [{ exclude: 'master' }, 'master', false],
    [{ exclude: 'feature/*' }, 'master', true],
    [{ exclude: 'feature/*' }, 'feature/foo', false],
    [{ exclude: ['master', 'develop'] }, 'master', false],
    [{ exclude: ['feature/*', 'bar'] }, 'master', true],
    [{ exclude: ['feature/*', 'bar'] }, 'feature/foo', false],
    [{ include: ['master', 'feature/*'], exclude: ['develop'] }, 'master', true],
    [{ include: ['master', 'feature/*'], exclude: ['feature/bar'] }, 'feature/bar', false],
    [{ include: ['master', 'feature/*'], exclude: ['master', 'develop'] }, 'master', false],
    [null, 'master', true],
  ];

  it.each(vectors)('%j with %s is %s', (conf, value, want) => {
    const c = constraint(conf);
    expect(matchConstraint(c, value, 'filepath')).toBe(want);
    expect(matchConstraint(c, value, 'doublestar')).toBe(want);
  });
});

describe('cncd/pipeline constraint_test.go: TestConstraintMap', () => {
  const vectors: [unknown, Record<string, string>, boolean][] = [
    [{ GOLANG: '1.7' }, { GOLANG: '1.7' }, true],
    [{ GOLANG: 'tip' }, { GOLANG: '1.7' }, false],
    [{ GOLANG: '1.7', REDIS: '3.1' }, { GOLANG: '1.7', REDIS: '3.1', MYSQL: '5.6' }, true],
    [{ GOLANG: '1.7', REDIS: '3.1' }, { GOLANG: '1.7', REDIS: '3.0' }, false],
    // No wildcards in matrix values, as in Drone.
    [{ GOLANG: '1.7', REDIS: '3.*' }, { GOLANG: '1.7', REDIS: '3.0' }, false],
    [{ include: { GOLANG: '1.7' } }, { GOLANG: '1.7' }, true],
    [{ include: { GOLANG: 'tip' } }, { GOLANG: '1.7' }, false],
    [{ include: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.1', MYSQL: '5.6' }, true],
    [{ include: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.0' }, false],
    [{ exclude: { GOLANG: '1.7' } }, { GOLANG: '1.7' }, false],
    [{ exclude: { GOLANG: 'tip' } }, { GOLANG: '1.7' }, true],
    [{ exclude: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.1', MYSQL: '5.6' }, false],
    [{ exclude: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.0' }, true],
    [{ include: { GOLANG: '1.7' }, exclude: { GOLANG: '1.7' } }, { GOLANG: '1.7' }, false],
    [null, { GOLANG: '1.7', REDIS: '3.0' }, true],
    [{ GOLANG: '1.7' }, {}, false],
    [{ GOLANG: '1.7', REDIS: '3.0' }, {}, false],
    [{ include: { GOLANG: '1.7', REDIS: '3.1' } }, {}, false],
    [{ exclude: { GOLANG: '1.7', REDIS: '3.1' } }, {}, true],
  ];

  it.each(vectors)('%j with %j is %s', (conf, axis, want) => {
    const c = toMatrixConstraint(conf);
    if ('error' in c) throw new Error(c.error);
    expect(matchMatrix(c, axis)).toBe(want);
  });

  it('reads YAML numbers as their text', () => {
    expect(toMatrixConstraint({ GO: 1.7 })).toEqual({ include: { GO: '1.7' }, exclude: {} });
  });

  it('refuses values that are not a map of single values', () => {
    expect(toMatrixConstraint(['GO'])).toHaveProperty('error');
    expect(toMatrixConstraint({ GO: ['1.7'] })).toEqual({ error: 'matrix GO must be a single value' });
    expect(toMatrixConstraint({ include: 'x' })).toHaveProperty('error');
  });
});

describe('toConstraint', () => {
  it('accepts a string, a list, include/exclude maps and nothing', () => {
    expect(toConstraint('master')).toEqual({ include: ['master'], exclude: [] });
    expect(toConstraint(['a', 'b'])).toEqual({ include: ['a', 'b'], exclude: [] });
    expect(toConstraint({ include: 'a', exclude: ['b', 'c'] })).toEqual({
      include: ['a'],
      exclude: ['b', 'c'],
    });
    expect(toConstraint({ exclude: null })).toEqual({ include: [], exclude: [] });
    expect(toConstraint(null)).toEqual({ include: [], exclude: [] });
    expect(toConstraint(undefined)).toEqual({ include: [], exclude: [] });
  });

  it('reads numbers and booleans as their text', () => {
    expect(toConstraint([1, true])).toEqual({ include: ['1', 'true'], exclude: [] });
  });

  it('says what is wrong with anything else', () => {
    expect(toConstraint({ branch: 'master' })).toEqual({
      error: "unknown key 'branch'; use include and exclude, each a string or a list of strings",
    });
    expect(toConstraint([['nested']])).toEqual({
      error: 'expected a string, a list of strings or a map with include and exclude',
    });
    expect(toConstraint({ include: { a: 1 } })).toEqual({
      error: 'include must be a string or a list of strings',
    });
    expect(toConstraint({ exclude: [{}] })).toEqual({
      error: 'exclude must be a string or a list of strings',
    });
  });
});

describe('condition properties', () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,15}$/);

  it('a constraint with only excludes never matches an excluded value and matches every other', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 5 }), name, (excluded, other) => {
        const c = constraint({ exclude: excluded });
        for (const value of excluded) expect(matchConstraint(c, value)).toBe(false);
        expect(matchConstraint(c, other)).toBe(!excluded.includes(other));
      }),
    );
  });

  it('a list of plain names matches exactly its members', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 5 }), name, (included, value) => {
        const c = constraint(included);
        expect(matchConstraint(c, value)).toBe(included.length === 0 || included.includes(value));
      }),
    );
  });

  it('exclude wins whatever the include says', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 4 }), name, (included, value) => {
        const c = constraint({ include: [...included, value, '*', '**'], exclude: [value] });
        expect(matchConstraint(c, value, 'doublestar')).toBe(false);
        expect(matchConstraint(c, value, 'filepath')).toBe(false);
      }),
    );
  });
});
