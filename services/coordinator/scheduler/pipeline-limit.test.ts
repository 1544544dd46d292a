import { describe, expect, it } from 'vitest';
import type { Job } from '../store/index.js';
import { pipelineLimit, waitingReason } from './pipeline-limit.js';

describe('waitingReason', () => {
  it('says how many others of the pipeline run and what the limit is', () => {
    expect(waitingReason('deploy', 1, { active: 1, ahead: 0 })).toBe(
      "waiting: 1 other 'deploy' pipeline running (concurrency limit 1)",
    );
    expect(waitingReason('deploy', 2, { active: 2, ahead: 0 })).toBe(
      "waiting: 2 other 'deploy' pipelines running (concurrency limit 2)",
    );
  });

  it('says when earlier builds wait ahead of it', () => {
    expect(waitingReason('deploy', 1, { active: 1, ahead: 2 })).toBe(
      "waiting: 1 other 'deploy' pipeline running and 2 earlier ones waiting (concurrency limit 1)",
    );
    expect(waitingReason('deploy', 1, { active: 0, ahead: 1 })).toBe(
      "waiting: 1 earlier 'deploy' pipeline waits to run first (concurrency limit 1)",
    );
  });
});

describe('pipelineLimit', () => {
  const withLimit = (concurrency: number | undefined) =>
    ({ plan: concurrency === undefined ? {} : { concurrency } }) as unknown as Job;
  it('reads a positive whole limit and treats anything else as none', () => {
    expect(pipelineLimit(withLimit(2))).toBe(2);
    expect(pipelineLimit(withLimit(undefined))).toBe(0);
    expect(pipelineLimit(withLimit(0))).toBe(0);
    expect(pipelineLimit(withLimit(-1))).toBe(0);
  });
});
