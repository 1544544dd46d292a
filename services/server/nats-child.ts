/**
 * A local nats-server with JetStream, as a child process of `hangar server`.
 * Its store lives in the data directory, so queued jobs and events survive a
 * restart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HangarError } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { freePort, portFree, portOpen } from '../shared/ports.js';

export interface LocalNats {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const DEFAULT_PORT = 4222;

export async function startLocalNats(opts: {
  dataDir: string;
  port?: number;
  bin: string;
  log: Logger;
}): Promise<LocalNats> {
  const store = join(opts.dataDir, 'nats');
  const pidFile = join(opts.dataDir, 'nats.pid');
  await stopOrphan(pidFile, store, opts.log);
  let port = opts.port;
  if (port === undefined) port = (await portFree(DEFAULT_PORT)) ? DEFAULT_PORT : await freePort();
  else if (port === 0) port = await freePort();
  else if (!(await portFree(port))) {
    throw new HangarError(
      `port ${port} is taken; set HANGAR_NATS_PORT to a free port or HANGAR_NATS_URL to a running NATS`,
    );
  }
  // Its own process group: a Ctrl-C in the terminal reaches `hangar server`
  // only, which stops NATS last, after the runner and the coordinator.
  const proc: ChildProcess = spawn(opts.bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
  let stopping = false;
  proc.once('exit', (code, signal) => {
    if (!stopping) opts.log.error({ code, signal, stderr: stderr.slice(-1000) }, 'nats-server exited');
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const failed = await Promise.race([
      spawnError,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)),
    ]);
    if (failed) {
      const missing = (failed as NodeJS.ErrnoException).code === 'ENOENT';
      throw new HangarError(
        missing
          ? `${opts.bin} is not installed; run 'bash scripts/setup.sh --runtime' or set HANGAR_NATS_URL to a running NATS`
          : `could not start ${opts.bin}: ${failed.message}`,
        { cause: failed },
      );
    }
    if (proc.exitCode !== null) {
      throw new HangarError(
        `nats-server exited at start-up (code ${proc.exitCode}): ${stderr.trim().slice(-500)}`,
      );
    }
    if (await portOpen(port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new HangarError(
        `nats-server did not listen on port ${port} within 15s: ${stderr.trim().slice(-500)}`,
      );
    }
  }
  if (proc.pid !== undefined) writeFileSync(pidFile, `${proc.pid}\n`);
  opts.log.info({ port, store, pid: proc.pid }, 'nats-server started');
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: proc.pid ?? 0,
    stop: async () => {
      stopping = true;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
      rmSync(pidFile, { force: true });
    },
  };
}

/**
 * A nats-server left running on this data directory by a `hangar server`
 * that did not get to stop it (killed with SIGKILL): stopped, so the new one
 * can open the store.
 */
async function stopOrphan(pidFile: string, store: string, log: Logger): Promise<void> {
  let pid: number;
  let cmdline: string;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return;
  }
  if (!cmdline.includes('nats-server') || !cmdline.includes(store)) return;
  log.warn({ pid }, 'stopping a nats-server left running on this data directory');
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}
