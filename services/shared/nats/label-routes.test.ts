import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelSubsets, labelsMatch, labelToken, MAX_ROUTED_LABELS, routesByLabels } from './label-routes.js';

describe('label routes', () => {
  it('gives a label set the same token whatever the order of its labels, and none to the empty set', () => {
    expect(labelToken({ gpu: 'true', zone: 'eu' })).toBe(labelToken({ zone: 'eu', gpu: 'true' }));
    expect(labelToken({ gpu: 'true' })).not.toBe(labelToken({ gpu: 'false' }));
    expect(labelToken({ 'a=b': 'c' })).not.toBe(labelToken({ a: 'b=c' }));
    expect(labelToken({})).toBeUndefined();
    expect(labelToken(undefined)).toBeUndefined();
  });

  it('makes tokens NATS accepts in a subject whatever the labels hold', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string(), { minKeys: 1 }), (labels) => {
        expect(labelToken(labels)).toMatch(/^l[0-9a-f]{32}$/);
      }),
    );
  });

  it('lets a runner read exactly the label sets it can serve', () => {
    const runner = { gpu: 'true', zone: 'eu', 'disk.size': 'large wide' };
    const sets = labelSubsets(runner);
    expect(sets).toHaveLength(7);
    const tokens = new Set(sets.map(labelToken));
    expect(tokens.size).toBe(7);
    const fits: Record<string, string>[] = [{ gpu: 'true' }, { zone: 'eu', gpu: 'true' }, runner];
    for (const job of fits) {
      expect(labelsMatch(job, runner)).toBe(true);
      expect(tokens.has(labelToken(job))).toBe(true);
    }
    const misfits: Record<string, string>[] = [{ gpu: 'false' }, { gpu: 'true', arch: 'arm64' }];
    for (const job of misfits) {
      expect(labelsMatch(job, runner)).toBe(false);
      expect(tokens.has(labelToken(job))).toBe(false);
    }
  });

  it('routes at most five labels (32 subjects); more go through the shared subject', () => {
    const five = Object.fromEntries(Array.from({ length: MAX_ROUTED_LABELS }, (_, i) => [`k${i}`, 'v']));
    expect(routesByLabels(five)).toBe(true);
    expect(labelSubsets(five)).toHaveLength(31);
    const six = { ...five, k5: 'v' };
    expect(routesByLabels(six)).toBe(false);
    expect(() => labelSubsets(six)).toThrow(RangeError);
  });
});
