/**
 * `hangar server` with DRONE_GITLAB_URL set runs the bot next to the
 * coordinator and the runner: a repository switched on through the REST API
 * gets its webhook, a push builds on the local runner, and GitLab gets the
 * commit status. SIGTERM stops the whole process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, GitLabDouble, type Project, pushPayload, Role, type User } from '../gitlab-double/index.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { pipeline, waitFor } from './harness.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ADMIN = 'server-test-admin-token';

let nats: NatsServer;
let gitlab: GitLabDouble;
let project: Project;
let developer: User;
let dir: string;
let proc: ChildProcess | undefined;
let output = '';
let httpPort: number;

beforeAll(async () => {
  nats = await startNatsServer();
  gitlab = await GitLabDouble.start();
  const bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  developer = gitlab.addUser({ username: 'dev' });
  project = await gitlab.createProject({
    path: 'acme/served',
    files: { '.drone.yml': pipeline('default', [{ name: 'hello', commands: ['echo hello'] }]) },
  });
  gitlab.addMember(project, bot, Role.maintainer);
  gitlab.addMember(project, developer, Role.developer);
  dir = mkdtempSync(join(tmpdir(), 'hangar-server-bot-'));
  httpPort = await freePort();
  proc = spawn(process.execPath, ['bin/hangar.js', 'server'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HANGAR_DATA_DIR: dir,
      HANGAR_NATS_URL: nats.url,
      HANGAR_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
      HANGAR_METRICS_ADDR: '127.0.0.1:0',
      HANGAR_HTTP_ADDR: `127.0.0.1:${httpPort}`,
      HANGAR_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
      HANGAR_ADMIN_TOKEN: ADMIN,
      HANGAR_RUNNER_NAME: `server-bot-${httpPort}`,
      DRONE_GITLAB_URL: gitlab.url,
      HANGAR_GITLAB_TOKEN: gitlab.issueToken(bot),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await waitFor('the bot in hangar server', () => {
    if (proc?.exitCode !== null) throw new Error(`hangar server exited: ${output}`);
    return output.includes('"msg":"gitlab bot ready"') || undefined;
  });
});

afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  await gitlab?.close();
  await nats?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('hangar server with the GitLab bot', () => {
  it('switches a repository on, builds a push on its runner, posts the status, and stops on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const enabled = await fetch(`${base}/api/repos/${encodeURIComponent('acme/served')}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(enabled.status).toBe(201);
    expect(project.hooks.map((h) => h.url)).toEqual([`${base}/hook`]);

    const before = await gitlab.resolve(project, 'main');
    const c = await gitlab.commit(project, { files: { 'a.txt': 'a' }, message: 'Served' });
    const payload = await pushPayload(gitlab, project, {
      ref: 'main',
      before,
      after: c.sha,
      user: developer,
    });
    expect((await deliver(gitlab, project, 'Push Hook', payload)).map((d) => d.status)).toEqual([202]);
    const status = await waitFor(
      'the success status',
      () => {
        const s = gitlab.statusesOf(project, c.sha).find((x) => x.name === 'hangar/default');
        return s?.status === 'success' ? s : undefined;
      },
      90_000,
      250,
    );
    expect(status.targetUrl).toBe(`${base}/acme/served/1`);

    const exited = new Promise<number | null>((resolve) => proc?.once('exit', (code) => resolve(code)));
    proc?.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
