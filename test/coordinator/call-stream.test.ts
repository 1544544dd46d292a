/**
 * The Calls stream: Accept, ExtendLease, UpdateStep and Complete as messages
 * on one stream, answered and refused exactly as the unary calls are. A
 * refused call leaves the stream open; a wrong secret closes it; a runner's
 * own token is checked with every call, so a replaced token stops working at
 * once; a coordinator without the stream is spoken to with unary calls.
 */
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnerService as runnerServiceDefinition } from '../../proto/load.js';
import { CoordinatorConnection, LeaseLostError } from '../../services/runner/daemon/connection.js';
import { silentLogger } from '../../services/shared/log.js';
import { Cluster, pipeline, SECRET } from './harness.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await Cluster.start({});
});
afterAll(async () => {
  await cluster?.dispose();
});

const code = (e: unknown) => (e as { code?: number }).code;

describe('the Calls stream', () => {
  it('runs a job through accept, step reports, lease extension and completion', async () => {
    const runner = await cluster.runner('stream-runner');
    await runner.register();
    const repo = await cluster.repo();
    const build = await cluster.createBuild(repo, pipeline('default', ['one', 'two']));
    const job = await runner.acceptNext(15_000, Number(build.jobs[0]?.id));
    expect(job.leaseToken).not.toBe('');
    expect(job.steps.map((s) => s.name)).toContain('two');
    const extended = await runner.extend(job.jobId, job.leaseToken);
    expect(extended.cancelled).toBe(false);
    expect(extended.leaseExpiresMs).toBeGreaterThan(Date.now());
    await runner.runAll(job);
    const done = await cluster.waitStatus(repo, Number(build.number), 'SUCCESS');
    expect(done.status).toBe('SUCCESS');
  });

  it('refuses one call with its status and keeps the stream open for the next', async () => {
    const first = await cluster.runner('stream-first');
    const second = await cluster.runner('stream-second');
    await first.register();
    await second.register();
    const repo = await cluster.repo();
    const build = await cluster.createBuild(repo, pipeline('default', ['only']));
    const job = await first.acceptNext(15_000, Number(build.jobs[0]?.id));

    const taken = await second.accept(job.jobId).catch((e: unknown) => e);
    expect(code(taken)).toBe(status.FAILED_PRECONDITION);
    expect((taken as { details: string }).details).toMatch(/another runner took it/);
    const badStep = await second
      .step(job.jobId, 'not-the-lease', job.steps[0]?.id ?? 0, 'RUNNING')
      .catch((e) => e);
    expect(code(badStep)).toBe(status.FAILED_PRECONDITION);
    const badStatus = await first.complete(job.jobId, job.leaseToken, 'RUNNING').catch((e: unknown) => e);
    expect(code(badStatus)).toBe(status.INVALID_ARGUMENT);

    // The same stream still answers.
    await first.runAll(job);
    expect((await cluster.waitStatus(repo, Number(build.number), 'SUCCESS')).status).toBe('SUCCESS');
  });

  it('closes the stream of a wrong secret with UNAUTHENTICATED', async () => {
    const good = await cluster.runner('stream-good');
    await good.register();
    const bad = await cluster.runner('stream-bad', 'not-the-secret');
    bad.id = good.id;
    const err = await bad.accept(1).catch((e: unknown) => e);
    expect(code(err)).toBe(status.UNAUTHENTICATED);
    expect((err as { details: string }).details).toMatch(/the secret is wrong; set DRONE_SECRET/);
  });

  it("checks a runner's own token with every call: a replaced token is refused on the open stream", async () => {
    const plain = await cluster.runner('stream-token');
    await plain.register();
    const token = await cluster.store.runners.issueToken(plain.id);
    const withToken = await cluster.runner('stream-token', token);
    await withToken.register();
    const repo = await cluster.repo();
    const build = await cluster.createBuild(repo, pipeline('default', ['only']));
    const job = await withToken.acceptNext(15_000, Number(build.jobs[0]?.id));
    await withToken.extend(job.jobId, job.leaseToken);

    await cluster.store.runners.issueToken(plain.id);
    const refused = await withToken.extend(job.jobId, job.leaseToken).catch((e: unknown) => e);
    expect(code(refused)).toBe(status.UNAUTHENTICATED);
    // The shared secret still works for the same runner.
    await plain.runAll(job);
  });

  it('gives the same answers to a runner using unary calls', async () => {
    const runner = await cluster.runner('unary-runner', SECRET, {}, 'unary');
    await runner.register();
    const repo = await cluster.repo();
    const build = await cluster.createBuild(repo, pipeline('default', ['only']));
    const job = await runner.acceptNext(15_000, Number(build.jobs[0]?.id));
    const again = await runner.accept(job.jobId).catch((e: unknown) => e);
    expect(code(again)).toBe(status.FAILED_PRECONDITION);
    await runner.runAll(job);
    expect((await cluster.waitStatus(repo, Number(build.number), 'SUCCESS')).status).toBe('SUCCESS');
  });
});

describe("the runner daemon's connection", () => {
  it('uses unary calls with a coordinator that has no Calls stream', async () => {
    const seen: string[] = [];
    const server = new Server();
    // Only the unary calls; Calls answers UNIMPLEMENTED as an older coordinator's would.
    server.addService(runnerServiceDefinition, {
      ExtendLease: (
        call: { request: { jobId: number } },
        cb: (e: null, r: { cancelled: boolean; leaseExpiresMs: number }) => void,
      ) => {
        seen.push(`extend ${call.request.jobId}`);
        cb(null, { cancelled: true, leaseExpiresMs: 42 });
      },
      Complete: (_call: unknown, cb: (e: { code: number; details: string }) => void) => {
        seen.push('complete');
        cb({ code: status.FAILED_PRECONDITION, details: 'the lease of job 7 was lost' });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    const conn = new CoordinatorConnection({
      server: { target: `127.0.0.1:${port}`, tls: false },
      secret: SECRET,
      log: silentLogger,
    });
    try {
      const res = await conn.extendLease({ jobId: 7, leaseToken: 't' });
      expect(res).toMatchObject({ cancelled: true, leaseExpiresMs: 42 });
      const lost = await conn
        .complete({ jobId: 7, leaseToken: 't', status: 'SUCCESS' })
        .catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(LeaseLostError);
      expect(seen).toEqual(['extend 7', 'complete']);
    } finally {
      conn.close();
      server.forceShutdown();
    }
  });

  it('fails calls in flight when the coordinator goes away, and opens a new stream for the next call', async () => {
    const other = await Cluster.start({});
    try {
      const conn = new CoordinatorConnection({
        server: { target: other.grpcAddress, tls: false },
        secret: SECRET,
        log: silentLogger,
      });
      const reg = await conn.register({ name: 'reconnecting', platform: 'linux/amd64', capacity: 1 });
      conn.setRunnerId(reg.runnerId);
      const missing = await conn.extendLease({ jobId: 999_999, leaseToken: 'x' }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(LeaseLostError);
      await other.coordinator.stop();
      const away = await conn
        .extendLease({ jobId: 999_999, leaseToken: 'x' }, 2_000)
        .catch((e: unknown) => e);
      expect(code(away)).toBe(status.UNAVAILABLE);
      await other.startCoordinator();
      const after = await conn
        .retrying(() => conn.extendLease({ jobId: 999_999, leaseToken: 'x' }), { what: 'extend lease' })
        .catch((e: unknown) => e);
      expect(after).toBeInstanceOf(LeaseLostError);
      conn.close();
    } finally {
      await other.dispose();
    }
  });
});
