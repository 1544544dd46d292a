import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { credentials, Server, ServerCredentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildClient, BuildServiceHandlers, RunnerClient, RunnerServiceHandlers } from './load.js';
import { BuildServiceClient, buildService, RunnerServiceClient, runnerService } from './load.js';

const run = promisify(execFile);

function deadline(ms: number): Date {
  return new Date(Date.now() + ms);
}

describe('gRPC contract', () => {
  const server = new Server();
  let builds: BuildClient;
  let runners: RunnerClient;
  const seen = { lastSeen: 1_767_225_600_123 };

  beforeAll(async () => {
    const buildHandlers: Partial<BuildServiceHandlers> = {
      ListRunners: (_call, cb) =>
        cb(null, {
          runners: [
            {
              id: 7,
              name: 'runner-a',
              labels: { arch: 'amd64' },
              platform: 'linux/amd64',
              capacity: 2,
              lastSeenMs: seen.lastSeen,
            },
          ],
        }),
      // Never answers: the caller's deadline must end the call.
      GetBuild: () => {},
    };
    const runnerHandlers: Partial<RunnerServiceHandlers> = {
      ExtendLease: (call, cb) =>
        cb(null, {
          cancelled: call.request.leaseToken === 'cancel-me',
          leaseExpiresMs: call.request.jobId + 1,
        }),
    };
    server.addService(buildService, buildHandlers as BuildServiceHandlers);
    server.addService(runnerService, runnerHandlers as RunnerServiceHandlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    builds = new BuildServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    runners = new RunnerServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    builds?.close();
    runners?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it('answers a call with a deadline, with longs as numbers, maps and defaults filled in', async () => {
    const res = await new Promise((resolve, reject) =>
      builds.ListRunners({}, { deadline: deadline(5000) }, (err, r) => (err ? reject(err) : resolve(r))),
    );
    expect(res).toEqual({
      runners: [
        {
          id: 7,
          name: 'runner-a',
          labels: { arch: 'amd64' },
          platform: 'linux/amd64',
          capacity: 2,
          version: '',
          lastSeenMs: seen.lastSeen,
          running: 0,
        },
      ],
    });
  });

  it('carries 64-bit ids above 2^32 and booleans through the runner service', async () => {
    const res = await new Promise((resolve, reject) =>
      runners.ExtendLease(
        { jobId: 2 ** 40, leaseToken: 'cancel-me' },
        { deadline: deadline(5000) },
        (err, r) => (err ? reject(err) : resolve(r)),
      ),
    );
    expect(res).toEqual({ cancelled: true, leaseExpiresMs: 2 ** 40 + 1 });
  });

  it('ends a call whose handler never answers when the deadline passes', async () => {
    const started = Date.now();
    const err = await new Promise<{ code: number }>((resolve) =>
      builds.GetBuild({ number: 1 }, { deadline: deadline(300) }, (e) =>
        resolve(e as unknown as { code: number }),
      ),
    );
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports a method the server does not implement as UNIMPLEMENTED', async () => {
    const err = await new Promise<{ code: number }>((resolve) =>
      builds.CancelBuild({ number: 1 }, { deadline: deadline(5000) }, (e) =>
        resolve(e as unknown as { code: number }),
      ),
    );
    expect(err.code).toBe(status.UNIMPLEMENTED);
  });
});

describe('generated types', () => {
  it('match the .proto files (scripts/check-proto.sh)', async () => {
    const { stdout } = await run('bash', ['scripts/check-proto.sh'], { cwd: new URL('..', import.meta.url) });
    expect(stdout).toContain('up to date');
  });
});
