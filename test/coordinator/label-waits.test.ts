/**
 * A labelled job that was queued while a runner with its labels was there,
 * and then lost every such runner: it says why it waits (as a job that never
 * had such a runner does), and runs once when a runner with the labels is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CoordinatorEvent } from '../../services/coordinator/events.js';
import type { Repo } from '../../services/coordinator/store/index.js';
import type { JobDelivery } from '../../services/shared/nats/bus.js';
import { Cluster, pipeline, SECRET, type SimRunner, sleep, waitFor } from './harness.js';

const GPU = { gpu: 'true' };
const GONE = 'waiting for a runner with labels gpu=true; connected runners: 1, none has them';
/** A runner is taken for gone after 3 presence periods of 10 s and 5 s more; the roster looks every second. */
const LAPSE_MS = 36_000;

/** A registered simulated runner with the gpu label. */
async function gpuRunner(cluster: Cluster, name: string): Promise<SimRunner> {
  const r = await cluster.runner(name, SECRET, GPU);
  await r.register();
  return r;
}

/** Every job message `runner` gets within `waitMs`. */
async function drain(runner: SimRunner, waitMs: number): Promise<JobDelivery[]> {
  const out: JobDelivery[] = [];
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) out.push(...(await runner.take(1, 250)));
  return out;
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

/** A plain runner and a gpu runner connected, and a gpu job queued for the latter. */
async function gpuJobQueued(cluster: Cluster) {
  const repo = await cluster.repo();
  await cluster.runner('plain');
  const gpu = await gpuRunner(cluster, 'gpu');
  return { repo, gpu, ...(await queuedWhileGpuIsThere(cluster, repo)) };
}

function sentenceAppears(cluster: Cluster, repo: Repo, number: number, timeoutMs: number, everyMs?: number) {
  return waitFor(
    'the waiting sentence',
    async () => (await reasonOf(cluster, repo, number)).error === GONE,
    timeoutMs,
    everyMs,
  );
}

async function reasonOf(cluster: Cluster, repo: Repo, number: number) {
  const job = (await cluster.getBuild(repo, number)).jobs[0];
  return { status: job?.status, error: job?.error };
}

/** A runner with the labels is back: the sentence goes, and it gets the job once and runs it. */
async function comesBack(cluster: Cluster, repo: Repo, number: number, jobId: number) {
  const gpu = await gpuRunner(cluster, 'gpu-again');
  await waitFor('the waiting sentence to go', async () => {
    const now = await reasonOf(cluster, repo, number);
    return now.error === '' ? now : undefined;
  });
  expect((await reasonOf(cluster, repo, number)).status).toBe('QUEUED');

  const got = await drain(gpu, 1500);
  expect(got.map((d) => Number(d.jobId))).toEqual([jobId]);
  const taken = got[0] as JobDelivery;
  const accepted = await gpu.accept(taken.jobId);
  taken.ack();
  await gpu.runAll({ ...accepted, jobId });
  const build = await cluster.waitStatus(repo, number, 'SUCCESS');
  expect(build.jobs[0]).toMatchObject({ status: 'SUCCESS', attempt: 1, error: '', runner: 'gpu-again' });
  // Not published a second time: nothing more for it in the queue.
  expect(await drain(gpu, 1000)).toEqual([]);
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
    const { repo, gpu, number, jobId } = await gpuJobQueued(cluster);

    const left = Date.now();
    await gpu.leave();
    await sentenceAppears(cluster, repo, number, 5000);
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
    const { repo, gpu, number, jobId } = await gpuJobQueued(cluster);

    await cluster.coordinator.stop();
    await gpu.leave();
    const started = Date.now();
    await cluster.startCoordinator();
    await sentenceAppears(cluster, repo, number, 5000);
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
    const { repo, gpu, number, jobId } = await gpuJobQueued(cluster);

    const killed = Date.now();
    await gpu.close();
    // Silent, not yet gone: nothing to say.
    await sleep(5000);
    expect(await reasonOf(cluster, repo, number)).toEqual({ status: 'QUEUED', error: '' });
    await sentenceAppears(cluster, repo, number, LAPSE_MS, 200);
    expect(Date.now() - killed).toBeLessThan(LAPSE_MS + 1000);

    await comesBack(cluster, repo, number, jobId);
  }, 60_000);
});
