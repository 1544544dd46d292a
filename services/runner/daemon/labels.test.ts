import { describe, expect, it } from 'vitest';
import { labelsMatch, missingLabels } from './labels.js';

describe('runner labels', () => {
  const runner = { gpu: 'true', zone: 'eu' };

  it('lets a runner take jobs that ask for nothing or for labels it has', () => {
    expect(labelsMatch(undefined, runner)).toBe(true);
    expect(labelsMatch({}, runner)).toBe(true);
    expect(labelsMatch({ gpu: 'true' }, runner)).toBe(true);
    expect(labelsMatch({ gpu: 'true', zone: 'eu' }, runner)).toBe(true);
  });

  it('refuses jobs asking for a label it lacks or has with another value', () => {
    expect(labelsMatch({ gpu: 'false' }, runner)).toBe(false);
    expect(labelsMatch({ arch: 'arm64' }, {})).toBe(false);
    expect(missingLabels({ gpu: 'true', arch: 'arm64', zone: 'us' }, runner)).toEqual([
      'arch=arm64',
      'zone=us',
    ]);
  });
});
