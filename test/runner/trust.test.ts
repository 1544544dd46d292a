import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectNothingLeft, leftovers, plan, run, sequential, step } from './helpers.js';

describe('executor on Docker: trust', () => {
  it('refuses privileged mode for an untrusted repository before creating anything', async () => {
    const o = await run(
      plan(
        sequential([
          step('setup', { commands: ['true'] }),
          step('dind', { commands: ['true'], privileged: true }),
        ]),
      ),
      { trusted: false },
    );
    expect(o.result.status).toBe('error');
    expect(o.step('dind').status).toBe('error');
    expect(o.step('dind').error).toMatch(
      /^step "dind" asks for privileged mode, which only trusted repositories/,
    );
    expect(o.step('setup').status).toBe('skipped');
    expect(o.result.error).toBe(o.step('dind').error);
    const left = await leftovers(o.jobId);
    expect(left.networks).toEqual([]);
    await expectNothingLeft(o.jobId);
  });

  it('refuses a host volume for an untrusted repository', async () => {
    const o = await run(
      plan([
        step('cache', {
          commands: ['ls /cache'],
          volumes: [{ hostPath: '/etc', target: '/cache', readOnly: true }],
        }),
      ]),
    );
    expect(o.result.status).toBe('error');
    expect(o.step('cache').error).toContain('the host volume /etc');
    expect(o.lines).toEqual([]);
  });

  it('mounts a host volume for a trusted repository', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hangar-trusted-'));
    writeFileSync(join(dir, 'marker.txt'), 'from-the-host\n');
    const o = await run(
      plan([
        step('cache', {
          commands: ['cat /cache/marker.txt'],
          volumes: [{ hostPath: dir, target: '/cache', readOnly: true }],
        }),
      ]),
      { trusted: true },
    );
    expect(o.result.status).toBe('success');
    expect(o.text('cache')).toContain('from-the-host');
    await expectNothingLeft(o.jobId);
  });

  it('shares a named temporary volume between steps and removes it at the end', async () => {
    const o = await run(
      plan(
        sequential([
          step('fill', {
            commands: ['echo cached > /cache/x'],
            volumes: [{ name: 'cache', target: '/cache', readOnly: false }],
          }),
          step('use', {
            commands: ['cat /cache/x'],
            volumes: [{ name: 'cache', target: '/cache', readOnly: false }],
          }),
        ]),
        { volumes: { cache: { temp: true } } },
      ),
    );
    expect(o.result.status).toBe('success');
    expect(o.text('use')).toContain('cached');
    await expectNothingLeft(o.jobId);
  });
});
