/**
 * `hangar coordinator` as an operator runs it: a process that reads its
 * settings from the environment, answers on gRPC and /healthz, refuses a bad
 * setting with one sentence naming the variable, and stops cleanly on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListRunnersResponse__Output } from '../../proto/generated/hangar/v1/ListRunnersResponse.js';
import { BuildServiceClient } from '../../proto/load.js';
import { authMetadata } from '../../services/shared/grpc/auth.js';
import { unary } from '../../services/shared/grpc/call.js';
import { type HangarProcess, spawnHangar } from '../support/hangar-process.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { waitFor } from './harness.js';

let nats: NatsServer;
let dir: string;
beforeAll(async () => {
  nats = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), 'hangar-coord-cmd-'));
});
afterAll(async () => {
  await nats?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function run(env: Record<string, string>): HangarProcess {
  return spawnHangar(['coordinator'], env);
}

describe('hangar coordinator', () => {
  it('serves gRPC and /healthz, and stops cleanly on SIGTERM', async () => {
    const grpc = `127.0.0.1:${await freePort()}`;
    const metrics = `127.0.0.1:${await freePort()}`;
    const c = run({
      HANGAR_DATABASE_PATH: join(dir, 'hangar.db'),
      DRONE_SECRET: 'command-secret',
      HANGAR_GRPC_ADDR: grpc,
      HANGAR_METRICS_ADDR: metrics,
      HANGAR_NATS_URL: nats.url,
    });
    try {
      await waitFor(
        'coordinator ready',
        () => {
          if (c.proc.exitCode !== null) throw new Error(c.output());
          return c.output().includes('"msg":"coordinator ready"');
        },
        60_000,
      );
      const health = await fetch(`http://${metrics}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(health.status).toBe(200);
      const client = new BuildServiceClient(grpc, credentials.createInsecure());
      const res = await unary<ListRunnersResponse__Output>((o, cb) =>
        client.listRunners({}, authMetadata('command-secret'), o, cb),
      );
      expect(res.runners).toEqual([]);
      client.close();
      const t0 = Date.now();
      c.proc.kill('SIGTERM');
      expect(await c.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(c.output()).toContain('"msg":"coordinator stopped"');
    } finally {
      if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    }
  });

  it('refuses a bad setting with one sentence naming the variable', async () => {
    const c = run({ HANGAR_GRPC_ADDR: 'nowhere', HANGAR_NATS_URL: nats.url });
    expect(await c.exited).toBe(1);
    expect(c.output()).toContain('hangar: HANGAR_GRPC_ADDR: is not host:port; write it like 0.0.0.0:9000');
    expect(c.output()).not.toMatch(/\n\s+at /);
  });
});
