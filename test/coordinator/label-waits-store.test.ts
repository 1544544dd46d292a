import { describe, expect, it } from 'vitest';
import { ENGINES, newRepo, PUSH, plan, useDatabase } from '../store/engines.js';

describe.each(ENGINES)('a queued job that lost its runner, stored on %s', (engine) => {
  const db = useDatabase(engine);

  it('keeps the sentence saying why it waits until a runner with its labels is back or takes it', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const { jobs } = await store.builds.create(repo.id, PUSH, [
      { plan: plan('gpu', ['train'], { labels: { gpu: 'true' } }) },
      { plan: plan('cpu', ['build']) },
    ]);
    const [gpu, cpu] = jobs.map((j) => j.id) as [number, number];
    const reason = 'waiting for a runner with labels gpu=true; connected runners: 1, none has them';

    // Only a queued job can lose its runner.
    expect(await store.jobs.waitQueued(gpu, reason)).toBeUndefined();
    await store.jobs.queue([gpu, cpu]);
    expect((await store.jobs.listQueuedWithLabels()).map((j) => j.id)).toEqual([gpu]);

    expect(await store.jobs.waitQueued(gpu, reason)).toMatchObject({ status: 'queued', error: reason });
    // Saying it again changes nothing (no event to send).
    expect(await store.jobs.waitQueued(gpu, reason)).toBeUndefined();
    // Only the sentence it says is taken off.
    expect(await store.jobs.clearWait(gpu, 'some other sentence')).toBeUndefined();
    expect(await store.jobs.clearWait(gpu, reason)).toMatchObject({ status: 'queued', error: '' });
    expect(await store.jobs.clearWait(gpu, reason)).toBeUndefined();

    // A runner that takes the job takes the sentence off with it.
    await store.jobs.waitQueued(gpu, reason);
    const runner = await store.runners.register({ name: `r-${engine}-label-waits` });
    const lease = await store.jobs.claim(gpu, runner.id, 30_000);
    expect(lease?.job).toMatchObject({ status: 'running', error: '' });
    expect(await store.jobs.waitQueued(gpu, reason)).toBeUndefined();
    expect(await store.jobs.listQueuedWithLabels()).toEqual([]);
  });
});
