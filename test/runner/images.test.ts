import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BUSYBOX, expectNothingLeft, plan, run, sequential, step } from './helpers.js';

describe('executor on Docker: images and start failures', () => {
  it('says which image could not be pulled and why, quickly', async () => {
    const t0 = Date.now();
    const o = await run(
      plan(
        sequential([
          step('build', { image: '127.0.0.1:1/nope:latest', commands: ['true'] }),
          step('after', { commands: ['true'] }),
        ]),
      ),
    );
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(o.result.status).toBe('error');
    expect(o.step('build').status).toBe('error');
    expect(o.step('build').error).toMatch(
      /^could not pull image 127\.0\.0\.1:1\/nope:latest: .*connection refused/,
    );
    expect(o.step('after').status).toBe('skipped');
    await expectNothingLeft(o.jobId);
  });

  it('does not pull with policy never, and says so', async () => {
    const o = await run(
      plan([step('build', { image: 'hangar/not-here:1.0', pull: 'never', commands: ['true'] })]),
    );
    expect(o.step('build')).toMatchObject({ status: 'error' });
    expect(o.step('build').error).toBe(
      "could not pull image hangar/not-here:1.0: it is not on this Docker host and the step's pull policy is never; pull it on the host or set pull: if-not-exists",
    );
    await expectNothingLeft(o.jobId);
  });

  it('uses a local image with policy never', async () => {
    const o = await run(plan([step('build', { pull: 'never', commands: ['echo ok'] })]));
    expect(o.step('build').status).toBe('success');
  });

  it('reports a container that cannot start with the reason from Docker', async () => {
    const o = await run(plan([step('plugin', { image: BUSYBOX, entrypoint: ['/no/such/binary'] })]));
    expect(o.step('plugin').status).toBe('error');
    expect(o.step('plugin').error).toMatch(/^step "plugin" could not start: .*no such file or directory/);
    await expectNothingLeft(o.jobId);
  });

  it('runs a plugin step with its own entrypoint and command, in the workspace', async () => {
    const o = await run(
      plan([step('plugin', { entrypoint: ['/bin/sh', '-c'], command: ['echo "plugin in $(pwd)"'] })]),
    );
    expect(o.text('plugin')).toEqual(['plugin in /drone/src']);
  });

  it("sends the credentials for the image's registry host, and only those", async () => {
    const seen: (string | undefined)[] = [];
    const registry = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (!req.headers.authorization) {
        res.writeHead(401, {
          'WWW-Authenticate': 'Basic realm="test"',
          'Docker-Distribution-API-Version': 'registry/2.0',
        });
        res.end();
        return;
      }
      res.writeHead(req.url === '/v2/' ? 200 : 404, { 'Content-Type': 'application/json' });
      res.end(
        req.url === '/v2/' ? '{}' : '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
      );
    });
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
    try {
      const image = `${host}/team/app:1`;
      const o = await run(plan([step('build', { image, pull: 'always', commands: ['true'] })]), {
        registries: {
          [host]: { username: 'ci-bot', password: 'reg-pa55' },
          'docker.io': { username: 'x', password: 'y' },
        },
      });
      expect(o.step('build').status).toBe('error');
      expect(o.step('build').error).toMatch(
        new RegExp(`^could not pull image ${image.replaceAll('.', '\\.')}: .*manifest unknown`),
      );
      expect(o.step('build').error).not.toContain('reg-pa55');
      const basic = `Basic ${Buffer.from('ci-bot:reg-pa55').toString('base64')}`;
      expect(seen).toContain(basic);
      expect(seen.filter((a) => a !== undefined && a !== basic)).toEqual([]);
      await expectNothingLeft(o.jobId);
    } finally {
      registry.closeAllConnections();
      await new Promise((r) => registry.close(r));
    }
  });
});
