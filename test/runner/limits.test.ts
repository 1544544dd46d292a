import { describe, expect, it } from 'vitest';
import { expectNothingLeft, plan, run, sequential, step } from './helpers.js';

const MiB = 1024 * 1024;

describe('executor on Docker: memory, timeouts, cancel', () => {
  it('reports a step killed for memory as such, with the limit', async () => {
    const o = await run(
      plan(
        sequential([
          step('hog', {
            commands: ['echo allocating', 'dd if=/dev/zero of=/dev/null bs=96M count=1'],
            memLimit: 32 * MiB,
          }),
          step('after', { commands: ['true'] }),
        ]),
      ),
    );
    expect(o.step('hog')).toMatchObject({
      status: 'failure',
      exitCode: 137,
      oomKilled: true,
      error: 'killed: out of memory (limit 32 MiB)',
    });
    expect(o.step('after').status).toBe('skipped');
    expect(o.result.status).toBe('failure');
    await expectNothingLeft(o.jobId);
  });

  it('applies the runner default memory limit to steps that set none', async () => {
    const o = await run(plan([step('hog', { commands: ['dd if=/dev/zero of=/dev/null bs=96M count=1'] })]), {
      memLimit: 48 * MiB,
    });
    expect(o.step('hog')).toMatchObject({ oomKilled: true, error: 'killed: out of memory (limit 48 MiB)' });
    await expectNothingLeft(o.jobId);
  });

  it('kills a step that passes its own timeout and goes on as after a failure', async () => {
    const o = await run(
      plan(
        sequential([
          step('slow', { commands: ['echo started', 'sleep 60'], timeoutMs: 1500 }),
          step('next', { commands: ['true'] }),
          step('report', { commands: ['echo reporting'], onFailure: true }),
        ]),
      ),
    );
    expect(o.step('slow')).toMatchObject({
      status: 'killed',
      oomKilled: false,
      error: 'timed out after 1.5s',
    });
    expect(o.step('slow').durationMs).toBeLessThan(20_000);
    expect(o.text('slow')).toContain('started');
    expect(o.step('next').status).toBe('skipped');
    expect(o.step('report').status).toBe('success');
    expect(o.result.status).toBe('failure');
    await expectNothingLeft(o.jobId);
  });

  it('kills the job when it passes the job timeout, and says so', async () => {
    const o = await run(
      plan(
        sequential([
          step('slow', { commands: ['sleep 60'] }),
          step('never', { commands: ['true'], onFailure: true }),
        ]),
      ),
      { timeoutMs: 2000 },
    );
    expect(o.result.status).toBe('killed');
    expect(o.result.error).toBe('the job timed out after 2s');
    expect(o.step('slow')).toMatchObject({ status: 'killed', error: 'the job timed out after 2s' });
    expect(o.step('never').status).toBe('skipped');
    expect(o.result.durationMs).toBeLessThan(30_000);
    await expectNothingLeft(o.jobId);
  });

  it('cancels a running step through the AbortSignal and runs nothing after it', async () => {
    const abort = new AbortController();
    const t0 = Date.now();
    const o = await run(
      plan(
        [
          step('long', { commands: ['echo working', 'sleep 60'] }),
          step('notify', { commands: ['true'], dependsOn: ['long'], onFailure: true }),
        ],
        { services: [step('db', { commands: ['sleep 60'] })] },
      ),
      {
        signal: abort.signal,
        onStep: (s) => {
          if (s.name === 'long' && s.status === 'running') setTimeout(() => abort.abort(), 1500);
        },
      },
    );
    expect(o.result.status).toBe('killed');
    expect(o.result.error).toBe('cancelled');
    expect(o.step('long')).toMatchObject({ status: 'killed', error: 'cancelled' });
    expect(o.step('notify').status).toBe('skipped');
    expect(o.step('db').status).toBe('killed');
    expect(Date.now() - t0).toBeLessThan(40_000);
    await expectNothingLeft(o.jobId);
  });

  it('cancels before anything started without creating containers', async () => {
    const abort = new AbortController();
    abort.abort();
    const o = await run(plan([step('a', { commands: ['true'] })]), { signal: abort.signal });
    expect(o.result.status).toBe('killed');
    expect(o.step('a').status).toBe('skipped');
    await expectNothingLeft(o.jobId);
  });

  it('runs a step as its user, with its CPU share, shared memory and working directory', async () => {
    const o = await run(
      plan([
        step('limited', {
          user: '65534',
          cpus: 0.5,
          shmSize: 64 * MiB,
          workingDir: '/tmp',
          commands: [
            'id -u',
            'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max',
            "df -k /dev/shm | tail -1 | awk '{print $2}'",
            'pwd',
          ],
        }),
      ]),
    );
    expect(o.result.status).toBe('success');
    expect(o.text('limited').filter((l) => !l.startsWith('+ '))).toEqual(['65534', '50000', '65536', '/tmp']);
    await expectNothingLeft(o.jobId);
  });
});
