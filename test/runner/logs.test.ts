import { describe, expect, it } from 'vitest';
import { runJob } from '../../services/runner/executor/run-job.js';
import type { LogLine } from '../../services/shared/job/events.js';
import { engine, expectNothingLeft, newJobId, plan, RUNNER_ID, step } from './helpers.js';

describe('executor on Docker: log stream', () => {
  it('delivers every line in order to a slow reader while holding no more than its limit', async () => {
    const jobId = newJobId();
    const maxItems = 200;
    const job = runJob(
      engine,
      plan([
        step('loud', { commands: ['seq 1 30000', 'seq 1 5000 >&2'] }),
        step('also-loud', { commands: ['seq 1 20000'] }),
      ]),
      { jobId, runnerId: RUNNER_ID, trusted: false, logLimits: { maxItems, maxBytes: 1024 * 1024 } },
    );
    const byStep = new Map<string, LogLine[]>();
    let peak = 0;
    let read = 0;
    for await (const line of job.logs) {
      peak = Math.max(peak, job.logs.length);
      const list = byStep.get(line.step) ?? [];
      list.push(line);
      byStep.set(line.step, list);
      // Slower than the containers: they finish long before the reader does.
      if (++read % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const result = await job.done;
    expect(result.status).toBe('success');
    // Two pumps may each hand over one line past the limit.
    expect(peak).toBeLessThanOrEqual(maxItems + 2);
    const loud = byStep.get('loud') ?? [];
    expect(loud.map((l) => l.n)).toEqual(loud.map((_, i) => i));
    const out = loud.filter((l) => l.stream === 'stdout').map((l) => l.line);
    const err = loud.filter((l) => l.stream === 'stderr').map((l) => l.line);
    expect(out).toEqual([
      '+ seq 1 30000',
      ...Array.from({ length: 30000 }, (_, i) => String(i + 1)),
      '+ seq 1 5000 >&2',
    ]);
    expect(err).toEqual(Array.from({ length: 5000 }, (_, i) => String(i + 1)));
    expect(byStep.get('also-loud')?.length).toBe(20001);
    await expectNothingLeft(jobId);
  });

  it('finishes the job when the reader stops early', async () => {
    const jobId = newJobId();
    const job = runJob(engine, plan([step('loud', { commands: ['seq 1 100000'] })]), {
      jobId,
      runnerId: RUNNER_ID,
      trusted: false,
      logLimits: { maxItems: 100, maxBytes: 1024 * 1024 },
    });
    let seen = 0;
    for await (const _ of job.logs) if (++seen === 10) break;
    const result = await job.done;
    expect(result.status).toBe('success');
    expect(result.steps[0]?.exitCode).toBe(0);
    await expectNothingLeft(jobId);
  });
});
