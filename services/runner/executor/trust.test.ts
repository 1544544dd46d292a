import { describe, expect, it } from 'vitest';
import { plan, step } from '../../../test/runner/helpers.js';
import { trustViolations } from './trust.js';

describe('trustViolations', () => {
  it('accepts an ordinary pipeline', () => {
    expect(
      trustViolations(
        plan([step('a'), step('b', { volumes: [{ name: 'cache', target: '/c', readOnly: false }] })], {
          volumes: { cache: { temp: true } },
        }),
      ).size,
    ).toBe(0);
  });

  it('names the step and what it asked for', () => {
    const v = trustViolations(
      plan(
        [
          step('build', { privileged: true }),
          step('cache', { volumes: [{ hostPath: '/var/cache', target: '/cache', readOnly: false }] }),
          step('named', { volumes: [{ name: 'sock', target: '/var/run/docker.sock', readOnly: false }] }),
          step('dev', { devices: ['/dev/fuse'] }),
          step('net', { networkMode: 'host' }),
        ],
        { volumes: { sock: { hostPath: '/var/run/docker.sock' } } },
      ),
    );
    expect(v.get('build')).toMatch(
      /^step "build" asks for privileged mode, which only trusted repositories may use/,
    );
    expect(v.get('cache')).toContain('the host volume /var/cache');
    expect(v.get('named')).toContain('the host volume /var/run/docker.sock');
    expect(v.get('dev')).toContain('the device /dev/fuse');
    expect(v.get('net')).toContain('network_mode host');
  });
});
