/**
 * Many dispatchers racing for the places of a limited pipeline (the
 * coordinator's own passes plus direct calls, all at once) never put more
 * jobs in the queue than the limit, and the places go to the oldest builds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellPipeline } from './docker-runner.js';
import { Cluster, sleep } from './harness.js';

describe.each(['sqlite', 'postgres'] as const)('racing for a pipeline limit on %s', (engine) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ engine });
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('queues exactly the limit, oldest first, however many ask at once', async () => {
    const repo = await cluster.repo();
    const config = shellPipeline('deploy', ['echo deploying'], 'concurrency:\n  limit: 3');
    // One build through the coordinator gives the compiled plan; eight more are stored
    // directly, so no dispatch pass has looked at them before the race starts.
    const first = await cluster.createBuild(repo, config);
    const { plan } = (await cluster.store.jobs.plan(Number(first.jobs[0]?.id)))!;
    await cluster.cancelBuild(repo, first.number);
    const made = [];
    for (let i = 0; i < 8; i++) {
      made.push(
        await cluster.store.builds.create(
          repo.id,
          { event: 'push', ref: 'refs/heads/main', sha: `${i}`.repeat(40) },
          [{ plan }],
        ),
      );
    }
    const ids = made.map((b) => b.jobs[0]!.id);
    const { jobs } = cluster.store;
    const outcomes = await Promise.all(
      // Newest first, each twice: only the build order decides who gets a place.
      [...ids, ...ids].reverse().map((id) => jobs.queueWithinLimit(id, 3, () => 'waiting')),
    );
    await sleep(500);
    const states = await Promise.all(ids.map((id) => jobs.get(id)));
    const queued = states.filter((j) => j?.status === 'queued').map((j) => j?.id);
    expect(queued).toEqual(ids.slice(0, 3));
    expect(states.slice(3).map((j) => j?.status)).toEqual(Array(5).fill('pending'));
    expect(outcomes.filter((o) => o?.queued).length).toBeLessThanOrEqual(3);
  });
});
