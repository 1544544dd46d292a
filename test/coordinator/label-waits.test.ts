/**
 * A labelled job that was queued while a runner with its labels was there,
 * and then lost every such runner: it says why it waits (as a job that never
 * had such a runner does), and runs once when a runner with the labels is back.
 */
import { credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { AcceptResponse__Output } from '../../proto/generated/hangar/v1/AcceptResponse.js';
import { type RunnerClient, RunnerServiceClient } from '../../proto/load.js';
import type { CoordinatorEvent } from '../../services/coordinator/events.js';
import type { Repo } from '../../services/coordinator/store/index.js';
import { authMetadata } from '../../services/shared/grpc/auth.js';
import { unary } from '../../services/shared/grpc/call.js';
import { silentLogger } from '../../services/shared/log.js';
import { Bus, type JobDelivery } from '../../services/shared/nats/bus.js';
import { Cluster, POOL, pipeline, SECRET, sleep, waitFor } from './harness.js';

const GPU = { gpu: 'true' };
const GONE = 'waiting for a runner with labels gpu=true; connected runners: 1, none has them';
/** A runner is taken for gone after 3 presence periods of 10 s and 5 s more; the roster looks every second. */
const LAPSE_MS = 36_000;

/** A runner without Docker that reads the work queue with labels and reports over gRPC. */
class LabelledRunner {
  id = 0;
  private constructor(
    private readonly client: RunnerClient,
    readonly bus: Bus,
    private readonly puller: Awaited<ReturnType<Bus['jobPuller']>>,
  ) {}

  static async start(
    cluster: Cluster,
    name: string,
    labels: Record<string, string>,
  ): Promise<LabelledRunner> {
    const client = new RunnerServiceClient(cluster.grpcAddress, credentials.createInsecure());
    const bus = await Bus.connect({ url: cluster.nats.url, name, log: silentLogger, jobAckWaitMs: 5000 });
    const r = new LabelledRunner(client, bus, await bus.jobPuller(POOL, { labels }));
    const res = await unary<{ runnerId: number }>((o, cb) =>
      client.register({ name, platform: 'linux/amd64', capacity: 1, version: 'test' }, r.md(), o, cb),
    );
    r.id = res.runnerId;
    return r;
  }

  private md() {
    return authMetadata(SECRET, this.id === 0 ? undefined : this.id);
  }

  /** Every job message it gets within `waitMs`. */
  async drain(waitMs: number): Promise<JobDelivery[]> {
    const out: JobDelivery[] = [];
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) out.push(...(await this.puller.take(1, 250)));
    return out;
  }

  accept(jobId: string): Promise<AcceptResponse__Output> {
    return unary((o, cb) =>
      this.client.accept({ jobId: Number(jobId), runnerId: this.id }, this.md(), o, cb),
    );
  }

  /** Runs every step of an accepted job and completes it as a success. */
  async run(jobId: number, job: AcceptResponse__Output): Promise<void> {
    const call = (method: 'updateStep' | 'complete', req: Record<string, unknown>) =>
      unary((o, cb) => this.client[method]({ jobId, leaseToken: job.leaseToken, ...req }, this.md(), o, cb));
    for (const s of job.steps) {
      await call('updateStep', { stepId: s.id, status: 'RUNNING', startedMs: Date.now() });
      await call('updateStep', { stepId: s.id, status: 'SUCCESS', exitCode: 0, finishedMs: Date.now() });
    }
    await call('complete', { status: 'SUCCESS' });
  }

  /** Stops pulling, saying so. */
  async leave(): Promise<void> {
    this.puller.close();
    await this.close();
  }

  /** Falls silent without a word, as a killed runner process does. */
  kill(): Promise<void> {
    return this.close();
  }

  private async close(): Promise<void> {
    this.client.close();
    await this.bus.close();
  }
}

const gpuPipeline = pipeline('cuda', ['train'], 'node:\n  gpu: "true"');

async function queuedWhileGpuIsThere(cluster: Cluster, repo: Repo) {
  const created = await cluster.createBuild(repo, gpuPipeline);
  const job = await waitFor('the job to be queued', async () => {
    const j = (await cluster.getBuild(repo, created.number)).jobs[0];
    return j?.status === 'QUEUED' ? j : undefined;
  });
  expect(job.error).toBe('');
  return { number: created.number, jobId: job.id };
}

async function reasonOf(cluster: Cluster, repo: Repo, number: number) {
  const job = (await cluster.getBuild(repo, number)).jobs[0];
  return { status: job?.status, error: job?.error };
}

/** A runner with the labels is back: the sentence goes, and it gets the job once and runs it. */
async function comesBack(cluster: Cluster, repo: Repo, number: number, jobId: number) {
  const gpu = await LabelledRunner.start(cluster, 'gpu-again', GPU);
  await waitFor('the waiting sentence to go', async () => {
    const now = await reasonOf(cluster, repo, number);
    return now.error === '' ? now : undefined;
  });
  expect((await reasonOf(cluster, repo, number)).status).toBe('QUEUED');

  const got = await gpu.drain(1500);
  expect(got.map((d) => Number(d.jobId))).toEqual([jobId]);
  const taken = got[0] as JobDelivery;
  const accepted = await gpu.accept(taken.jobId);
  taken.ack();
  await gpu.run(jobId, accepted);
  const build = await cluster.waitStatus(repo, number, 'SUCCESS');
  expect(build.jobs[0]).toMatchObject({ status: 'SUCCESS', attempt: 1, error: '', runner: 'gpu-again' });
  // Not published a second time: nothing more for it in the queue.
  expect(await gpu.drain(1000)).toEqual([]);
  expect(await cluster.coordinator.store.jobs.get(jobId)).toMatchObject({ attempt: 1 });
  await gpu.leave();
}

describe.each(['sqlite', 'postgres'] as const)('a queued job that loses its runner (%s)', (engine) => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('says why it waits as soon as the last runner with its labels stops, and runs once when one is back', async () => {
    cluster = await Cluster.start({ engine, lease: '2s' });
    const events = await cluster.events();
    const repo = await cluster.repo();
    await cluster.runner('plain');
    const gpu = await LabelledRunner.start(cluster, 'gpu', GPU);
    const { number, jobId } = await queuedWhileGpuIsThere(cluster, repo);

    const left = Date.now();
    await gpu.leave();
    await waitFor(
      'the waiting sentence',
      async () => (await reasonOf(cluster as Cluster, repo, number)).error === GONE,
      5000,
    );
    expect(Date.now() - left).toBeLessThan(3000);
    expect(await reasonOf(cluster, repo, number)).toEqual({ status: 'QUEUED', error: GONE });
    // The bot hears of it too (commit status, merge-request summary).
    await waitFor('the event saying so', () =>
      events.seen.some((e: CoordinatorEvent) => e.kind === 'job' && e.jobId === jobId && e.error === GONE),
    );
    // Passes go on meanwhile; the job keeps its sentence and stays in the queue, unpublished again.
    await sleep(1500);
    expect(await reasonOf(cluster, repo, number)).toEqual({ status: 'QUEUED', error: GONE });
    expect(await cluster.coordinator.store.jobs.get(jobId)).toMatchObject({ attempt: 0 });

    await comesBack(cluster, repo, number, jobId);
  });
});

describe('a queued job whose runner left while the coordinator was down', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('says why it waits right after the coordinator starts again', async () => {
    cluster = await Cluster.start({ lease: '2s' });
    const repo = await cluster.repo();
    await cluster.runner('plain');
    const gpu = await LabelledRunner.start(cluster, 'gpu', GPU);
    const { number, jobId } = await queuedWhileGpuIsThere(cluster, repo);

    await cluster.coordinator.stop();
    await gpu.leave();
    const started = Date.now();
    await cluster.startCoordinator();
    await waitFor(
      'the waiting sentence',
      async () => (await reasonOf(cluster as Cluster, repo, number)).error === GONE,
      5000,
    );
    expect(Date.now() - started).toBeLessThan(3000);

    await comesBack(cluster, repo, number, jobId);
  });
});

describe('a queued job whose runner was killed', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('says why it waits once the runner has been silent for the presence lapse', async () => {
    cluster = await Cluster.start({ lease: '2s' });
    const repo = await cluster.repo();
    await cluster.runner('plain');
    const gpu = await LabelledRunner.start(cluster, 'gpu', GPU);
    const { number, jobId } = await queuedWhileGpuIsThere(cluster, repo);

    const killed = Date.now();
    await gpu.kill();
    // Silent, not yet gone: nothing to say.
    await sleep(5000);
    expect(await reasonOf(cluster, repo, number)).toEqual({ status: 'QUEUED', error: '' });
    await waitFor(
      'the waiting sentence',
      async () => (await reasonOf(cluster as Cluster, repo, number)).error === GONE,
      LAPSE_MS,
      200,
    );
    expect(Date.now() - killed).toBeLessThan(LAPSE_MS + 1000);

    await comesBack(cluster, repo, number, jobId);
  }, 60_000);
});
