/**
 * The webhook work queue at its limits: a full queue answers 503 with
 * Retry-After (so GitLab pauses the hook rather than disabling it), and a
 * delivery accepted before a stop is worked on by the next start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotCluster, waitFor } from './harness.js';

let c: BotCluster;

beforeAll(async () => {
  c = await BotCluster.start({
    env: { HANGAR_WEBHOOK_QUEUE: '1', HANGAR_GITLAB_TIMEOUT: '1s' },
    tuning: { work: { baseDelayMs: 100, maxDelayMs: 300, maxAttempts: 100 } },
  });
});

afterAll(async () => {
  await c?.dispose();
});

describe('the webhook queue', () => {
  it('answers 503 with Retry-After when full, and works on an accepted delivery after a restart', async () => {
    // GitLab stops answering file reads for a while: the first delivery's work waits and holds the only place.
    const outage = c.gitlab.injectFault({ route: 'files.raw', status: 'hang', forMs: 60_000 });
    const first = await c.push({ 'a.txt': 'a' }, { message: 'First' });
    expect(first.deliveries.map((d) => d.status)).toEqual([202]);
    const [recorded] = await c.coordinator.store.deliveries.queued(10);
    expect(recorded?.event).toBe('Push Hook');
    await waitFor('the file read to hang', () =>
      c.gitlab.requestsTo('files.raw').some((r) => r.status === 'hang'),
    );

    const second = await c.push({ 'b.txt': 'b' }, { message: 'Second' });
    expect(second.deliveries[0]?.status).toBe(503);
    const busy = await fetch(c.hookUrl, {
      method: 'POST',
      headers: {
        'X-Gitlab-Event': 'Push Hook',
        'X-Gitlab-Token': c.hookToken,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(second.payload),
    });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('30');

    // Stop while the work waits on GitLab: the delivery stays queued in the database.
    await c.bot.stop();
    expect((await c.coordinator.store.deliveries.queued(10)).map((d) => d.id)).toEqual([recorded?.id]);
    expect(await c.listBuilds()).toEqual([]);

    outage.remove();
    await c.startBot();
    await waitFor('the build of the first push', async () => (await c.listBuilds()).length === 1);
    const [build] = await c.listBuilds();
    expect(build?.sha).toBe(first.sha);
    await waitFor(
      'the delivery to be done',
      async () => (await c.coordinator.store.deliveries.queued(10)).length === 0,
    );
  });
});
