import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../store/index.js';
import { dependencyVerdict } from './dependencies.js';

let ids = 0;
function job(
  name: string,
  status: JobStatus,
  dependsOn: string[] = [],
  trigger: { onSuccess?: boolean; onFailure?: boolean } = {},
): Job {
  return {
    id: ++ids,
    buildId: 1,
    number: ids,
    name,
    axis: {},
    status,
    plan: { ...trigger } as Job['plan'],
    dependsOn,
    labels: {},
    attempt: 0,
    cancelRequested: false,
    error: '',
    createdAt: 0,
  };
}

describe('dependencyVerdict', () => {
  it('runs a pipeline without dependencies at once', () => {
    expect(dependencyVerdict(job('a', 'pending'), [])).toEqual({ kind: 'run' });
  });

  it('waits while any dependency (any matrix axis of it) has not ended', () => {
    const deps = [job('build', 'success'), job('build', 'running')];
    expect(dependencyVerdict(job('deploy', 'pending', ['build']), deps)).toEqual({ kind: 'wait' });
  });

  it('runs after every dependency passed; a skipped one counts as passed', () => {
    const deps = [job('build', 'success'), job('lint', 'skipped')];
    expect(dependencyVerdict(job('deploy', 'pending', ['build', 'lint']), deps)).toEqual({ kind: 'run' });
  });

  it.each(['failure', 'error', 'killed'] as const)('skips after a dependency ended as %s, naming it', (s) => {
    const v = dependencyVerdict(job('deploy', 'pending', ['build']), [job('build', s)]);
    expect(v).toEqual({
      kind: 'skip',
      reason: "skipped because 'build' did not succeed; add failure to its trigger's status to run it anyway",
    });
  });

  it('runs after a failure when its trigger allows failure, and skips after success when it wants only failure', () => {
    const notify = job('notify', 'pending', ['build'], { onSuccess: true, onFailure: true });
    expect(dependencyVerdict(notify, [job('build', 'failure')])).toEqual({ kind: 'run' });
    const onlyFailure = job('cleanup', 'pending', ['build'], { onSuccess: false, onFailure: true });
    expect(dependencyVerdict(onlyFailure, [job('build', 'success')]).kind).toBe('skip');
    expect(dependencyVerdict(onlyFailure, [job('build', 'error')])).toEqual({ kind: 'run' });
  });
});
