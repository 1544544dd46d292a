import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../store/index.js';
import { failedWithDependents, jobKey } from './restart.js';

type Row = Pick<Job, 'name' | 'axis' | 'status' | 'dependsOn'>;
const job = (
  name: string,
  status: JobStatus,
  axis: Record<string, string> = {},
  dependsOn: string[] = [],
): Row => ({
  name,
  axis,
  status,
  dependsOn,
});

describe('failedWithDependents', () => {
  it('keeps only the failed axes of a matrix pipeline', () => {
    const run = failedWithDependents([
      job('test', 'success', { GO: '1.20' }),
      job('test', 'failure', { GO: '1.21' }),
    ]);
    expect([...run.failed]).toEqual([jobKey('test', { GO: '1.21' })]);
    expect(run.failed.has(jobKey('test', { GO: '1.20' }))).toBe(false);
    expect([...run.dependents]).toEqual([]);
  });

  it('runs every axis of a pipeline that depends, directly or not, on a failed one', () => {
    const run = failedWithDependents([
      job('build', 'error', { OS: 'alpine' }),
      job('build', 'success', { OS: 'debian' }),
      job('deploy', 'skipped', { OS: 'alpine' }, ['build']),
      job('deploy', 'success', { OS: 'debian' }, ['build']),
      job('notify', 'success', {}, ['deploy']),
      job('lint', 'success'),
    ]);
    expect(run.failed).toEqual(new Set([jobKey('build', { OS: 'alpine' })]));
    expect(run.dependents).toEqual(new Set(['deploy', 'notify']));
  });

  it('names an axis the same whatever the order of its keys', () => {
    expect(jobKey('t', { A: '1', B: '2' })).toBe(jobKey('t', { B: '2', A: '1' }));
    expect(jobKey('t', { A: '1' })).not.toBe(jobKey('t', { A: '2' }));
    expect(jobKey('t', undefined)).toBe(jobKey('t', {}));
  });

  it('finds nothing to run when nothing failed', () => {
    expect(failedWithDependents([job('a', 'success'), job('b', 'skipped')]).failed.size).toBe(0);
  });
});
