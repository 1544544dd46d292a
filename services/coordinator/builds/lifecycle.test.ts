import { describe, expect, it } from 'vitest';
import type { Job, JobStatus } from '../store/index.js';
import { buildOutcome } from './lifecycle.js';

const jobs = (...statuses: JobStatus[]) => statuses.map((status) => ({ status }) as Job);

describe('buildOutcome', () => {
  it('is the worst of its jobs: killed, then error, then failure', () => {
    expect(buildOutcome(jobs('success', 'failure', 'error'))).toBe('error');
    expect(buildOutcome(jobs('killed', 'error'))).toBe('killed');
    expect(buildOutcome(jobs('success', 'failure', 'skipped'))).toBe('failure');
  });
  it('is success when every job passed or was skipped, skipped when all were', () => {
    expect(buildOutcome(jobs('success', 'skipped'))).toBe('success');
    expect(buildOutcome(jobs('skipped', 'skipped'))).toBe('skipped');
  });
});
