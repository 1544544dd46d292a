/**
 * `hangar bot` as a process: refuses to start without its GitLab settings,
 * naming the variable; with them it serves /healthz and /hook on
 * HANGAR_HTTP_ADDR, sharing the coordinator's database, never writes a
 * webhook token to its log, and exits 0 on SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHangar } from '../support/hangar-process.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { waitFor } from './harness.js';

const ROOT = new URL('../../', import.meta.url).pathname;
let nats: NatsServer;
let dir: string;

beforeAll(async () => {
  nats = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), 'hangar-bot-cmd-'));
});

afterAll(async () => {
  await nats?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hangar bot', () => {
  it('says which variable is missing', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, HANGAR_DATABASE_PATH: join(dir, 'x.db') };
    delete env.DRONE_GITLAB_URL;
    const r = spawnSync(process.execPath, ['bin/hangar.js', 'bot'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('hangar: DRONE_GITLAB_URL: is required: set it to your GitLab address');
  });

  it('serves /healthz and refuses a webhook without the token, then stops on SIGTERM', async () => {
    const port = await freePort();
    const { proc, output, exited } = spawnHangar(['bot'], {
      DRONE_GITLAB_URL: 'http://127.0.0.1:1',
      HANGAR_GITLAB_TOKEN: 'glpat-unused',
      HANGAR_DATABASE_PATH: join(dir, 'hangar.db'),
      HANGAR_NATS_URL: nats.url,
      HANGAR_HTTP_ADDR: `127.0.0.1:${port}`,
    });
    try {
      await waitFor('the bot to be ready', () => {
        if (proc.exitCode !== null) throw new Error(`hangar bot exited: ${output()}`);
        return output().includes('"msg":"gitlab bot ready"') || undefined;
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
      const token = 'glhook-this-must-not-reach-the-log';
      const hook = await fetch(`http://127.0.0.1:${port}/hook`, {
        method: 'POST',
        headers: {
          'X-Gitlab-Event': 'Push Hook',
          'X-Gitlab-Token': token,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ object_kind: 'push', project_id: 1 }),
      });
      expect(hook.status).toBe(401);
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output()).toContain('"msg":"webhook refused: wrong token"');
      expect(output()).not.toContain(token);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});
