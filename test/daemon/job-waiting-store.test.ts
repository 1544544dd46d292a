import { describe, expect, it } from 'vitest';
import { ENGINES, newRepo, PUSH, plan, useDatabase } from '../store/engines.js';

describe.each(ENGINES)('a job waiting for a runner, stored on %s', (engine) => {
  const db = useDatabase(engine);

  it('keeps the sentence saying why it waits until it is queued, then clears it', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const { jobs } = await store.builds.create(repo.id, PUSH, [{ plan: plan('gpu', ['train']) }]);
    const id = jobs[0]?.id ?? 0;
    const reason = 'waiting for a runner with labels gpu=true; connected runners: 2, none has them';

    expect(await store.jobs.wait(id, reason)).toMatchObject({ status: 'pending', error: reason });
    // Telling it again changes nothing (no event to send).
    expect(await store.jobs.wait(id, reason)).toBeUndefined();
    expect((await store.jobs.get(id))?.error).toBe(reason);

    const [queued] = await store.jobs.queue([id]);
    expect(queued).toMatchObject({ status: 'queued', error: '' });
    // Only a pending job can wait.
    expect(await store.jobs.wait(id, reason)).toBeUndefined();
    expect((await store.jobs.get(id))?.error).toBe('');
  });
});
