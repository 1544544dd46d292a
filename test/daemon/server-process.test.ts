import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../services/coordinator/store/index.js';
import { freePort } from '../support/nats-server.js';
import { BuildApi, GiveUp, pipeline, REPO, ROOT_DIR, uniqueName, waitFor } from './harness.js';

interface ServerProcess {
  proc: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('hangar server as a process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-server-'));
  const runnerName = uniqueName('server');
  let env: Record<string, string>;
  let grpc: string;
  let metrics: string;
  const started: ChildProcess[] = [];

  async function startServer(extra: Record<string, string> = {}): Promise<ServerProcess> {
    const proc = spawn(process.execPath, ['bin/hangar.js', 'server'], {
      cwd: ROOT_DIR,
      env: { ...process.env, ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(proc);
    let out = '';
    let err = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-20_000);
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    await waitFor(
      'hangar server to be ready',
      () => {
        if (proc.exitCode !== null) throw new GiveUp(`hangar server exited with ${proc.exitCode}: ${err}`);
        return out.includes('hangar server ready') || undefined;
      },
      60_000,
    );
    return { proc, stdout: () => out, exited };
  }

  beforeAll(async () => {
    grpc = `127.0.0.1:${await freePort()}`;
    metrics = `127.0.0.1:${await freePort()}`;
    env = {
      HANGAR_DATA_DIR: dir,
      HANGAR_GRPC_ADDR: grpc,
      HANGAR_METRICS_ADDR: metrics,
      HANGAR_NATS_PORT: String(await freePort()),
      HANGAR_RUNNER_NAME: runnerName,
      HANGAR_STOP_GRACE: '1s',
      HANGAR_LOG_LEVEL: 'info',
    };
    for (const key of [
      'DRONE_SECRET',
      'HANGAR_NATS_URL',
      'DATABASE_URL',
      'HANGAR_SECRET_KEY',
      'DRONE_GITLAB_URL',
    ]) {
      env[key] = '';
    }
  });
  afterAll(() => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    const pidFile = join(dir, 'nats.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts NATS, the coordinator and a runner, runs a build, and stops on SIGTERM', async () => {
    const server = await startServer();
    expect(server.stdout()).toContain(`coordinator ${grpc}`);
    expect(server.stdout()).toContain('bot not started (set DRONE_GITLAB_URL)');
    const health = await fetch(`http://${metrics}/healthz`);
    expect(health.status).toBe(200);

    // The secret it made up is kept in the data directory, readable by its owner only.
    const secret = readFileSync(join(dir, 'drone-secret'), 'utf8').trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'drone-secret')).mode & 0o777).toBe(0o600);
    const store = await openStore({ database: { engine: 'sqlite', path: join(dir, 'hangar.db') } });
    await store.repos.create({ projectId: 42, slug: REPO, cloneUrl: 'http://git.invalid/group/app.git' });
    await store.close();

    const api = new BuildApi(grpc, secret);
    try {
      const created = await api.createBuild(
        pipeline('hello', [{ name: 'greet', commands: ['echo hello from hangar server'] }]),
      );
      const build = await api.waitFinished(Number(created.number));
      expect(build.status).toBe('SUCCESS');
      expect(build.jobs[0]?.runner).toBe(runnerName);
    } finally {
      api.close();
    }

    const natsPid = Number(readFileSync(join(dir, 'nats.pid'), 'utf8'));
    expect(alive(natsPid)).toBe(true);
    const t0 = Date.now();
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(server.stdout()).toContain('hangar server stopped');
    await waitFor('nats-server to be gone', () => (alive(natsPid) ? undefined : true), 5_000);
    expect(existsSync(join(dir, 'nats.pid'))).toBe(false);
  });

  it('starts again on the same data directory after being killed, keeping its secret', async () => {
    const secret = readFileSync(join(dir, 'drone-secret'), 'utf8').trim();
    const first = await startServer();
    const orphan = Number(readFileSync(join(dir, 'nats.pid'), 'utf8'));
    first.proc.kill('SIGKILL');
    await first.exited;
    // SIGKILL leaves the NATS child behind; the next start stops it and takes over its store.
    expect(alive(orphan)).toBe(true);
    const second = await startServer();
    expect(alive(orphan)).toBe(false);
    expect(readFileSync(join(dir, 'drone-secret'), 'utf8').trim()).toBe(secret);
    const api = new BuildApi(grpc, secret);
    try {
      const created = await api.createBuild(pipeline('again', [{ name: 'greet', commands: ['echo back'] }]));
      expect((await api.waitFinished(Number(created.number))).status).toBe('SUCCESS');
    } finally {
      api.close();
    }
    second.proc.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('starts the GitLab bot too when DRONE_GITLAB_URL is set', async () => {
    const http = `127.0.0.1:${await freePort()}`;
    const server = await startServer({
      DRONE_GITLAB_URL: 'https://gitlab.invalid',
      HANGAR_GITLAB_TOKEN: 'glpat-test',
      HANGAR_HTTP_ADDR: http,
    });
    expect(server.stdout()).toContain(`bot http://${http}`);
    const res = await fetch(`http://${http}/healthz`);
    expect(res.status).toBe(200);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
