/**
 * The bot's tables in the coordinator's store, on SQLite and PostgreSQL:
 * deliveries deduplicated and picked up again, the status outbox's order and
 * coalescing rules, summary notes that never go back to an older build, and
 * held fork builds released exactly once.
 */
import { describe, expect, it } from 'vitest';
import type { OutboxInput } from '../../services/coordinator/store/index.js';
import { ENGINES, manualClock, newRepo, useDatabase } from '../store/engines.js';

describe.each(ENGINES)('bot tables on %s', (engine) => {
  const db = useDatabase(engine);

  it('records a delivery once per key, keeps it queued until finished, and forgets its payload after', async () => {
    const store = await db.open();
    const input = { dedupeKey: `idem:${engine}-1`, event: 'Push Hook', projectId: 7, payload: '{"a":1}' };
    const first = await store.deliveries.record(input);
    expect(first?.state).toBe('queued');
    expect(await store.deliveries.record(input)).toBeUndefined();
    const second = await store.deliveries.record({ ...input, dedupeKey: `idem:${engine}-2` });
    expect((await store.deliveries.queued(10)).map((d) => d.id)).toEqual([first?.id, second?.id]);
    expect((await store.deliveries.queued(10, first?.id)).map((d) => d.id)).toEqual([second?.id]);

    await store.deliveries.attempted(first?.id ?? 0, 'GitLab did not answer');
    expect((await store.deliveries.get(first?.id ?? 0))?.attempts).toBe(1);
    await store.deliveries.finish(first?.id ?? 0, 'done');
    const done = await store.deliveries.get(first?.id ?? 0);
    expect(done?.state).toBe('done');
    expect(done?.payload).toBe('');
    expect((await store.deliveries.queued(10)).map((d) => d.id)).toEqual([second?.id]);
    // Still a duplicate after it is done.
    expect(await store.deliveries.record(input)).toBeUndefined();
  });

  it('hands out one entry per status key at a time, in order, and skips repeats and stale states', async () => {
    const clock = manualClock();
    const store = await db.open({ clock: clock.now });
    const repo = await newRepo(store);
    const key = { projectId: 41, sha: 'a'.repeat(40), name: 'hangar/test', ref: 'main', repoId: repo.id };
    const put = (state: string, buildNumber: number, extra: Partial<OutboxInput> = {}) =>
      store.outbox.enqueue({ ...key, state, description: state, targetUrl: '', buildNumber, ...extra });

    expect(await put('pending', 1)).toBe('queued');
    expect(await put('pending', 1)).toBe('unchanged');
    expect(await put('running', 1)).toBe('queued');
    expect(await put('pending', 1)).toBe('stale');
    expect(await put('pending', 1, { name: 'hangar/lint' })).toBe('queued');

    const due = (await store.outbox.due(10)).filter((e) => e.projectId === key.projectId);
    expect(due.map((e) => [e.name, e.state])).toEqual([
      ['hangar/test', 'pending'],
      ['hangar/lint', 'pending'],
    ]);
    const [head] = due;
    if (head === undefined) throw new Error('no entry');
    await store.outbox.delivered(head);
    expect(await store.outbox.postedState(key.projectId, key.sha, 'hangar/test')).toBe('pending');
    expect(
      (await store.outbox.due(10)).filter((e) => e.projectId === key.projectId).map((e) => [e.name, e.state]),
    ).toEqual([
      ['hangar/test', 'running'],
      ['hangar/lint', 'pending'],
    ]);

    expect(await put('success', 1)).toBe('queued');
    expect(await put('running', 1)).toBe('stale');
    // A newer build of the same commit may start again; an older one may not come back.
    expect(await put('pending', 2)).toBe('queued');
    expect(await put('failed', 1)).toBe('stale');
    expect(await store.outbox.size()).toBe(4);
  });

  it('while the first entry of a key is failing, replaces the waiting pending/running entries but keeps final states', async () => {
    const clock = manualClock();
    const store = await db.open({ clock: clock.now });
    const repo = await newRepo(store);
    const key = { projectId: 42, sha: 'b'.repeat(40), name: 'hangar/build', ref: 'main', repoId: repo.id };
    const put = (state: string, buildNumber: number) =>
      store.outbox.enqueue({ ...key, state, description: state, targetUrl: '', buildNumber });
    const mine = async () => (await store.outbox.due(100)).filter((e) => e.projectId === key.projectId);

    await put('pending', 1);
    const [head] = await mine();
    if (head === undefined) throw new Error('no entry');
    await store.outbox.retryAt(head.id, clock.now() + 5000, 'GitLab answered 500');
    expect(await mine()).toEqual([]);

    await put('running', 1);
    await put('success', 1);
    await put('pending', 2);
    await put('running', 2);
    clock.advance(5000);
    const states: string[] = [];
    for (let entry = (await mine())[0]; entry; entry = (await mine())[0]) {
      states.push(entry.state);
      await store.outbox.delivered(entry);
    }
    // running (build 1) and pending (build 2) were superseded; both final states and the newest stay.
    expect(states).toEqual(['pending', 'success', 'running']);
  });

  it('keeps an entry GitLab refused for good with the reason, out of the way of the next one of its key', async () => {
    const clock = manualClock();
    const store = await db.open({ clock: clock.now });
    const repo = await newRepo(store);
    const key = { projectId: 43, sha: 'c'.repeat(40), name: 'hangar/test', ref: 'main', repoId: repo.id };
    const put = (state: string) =>
      store.outbox.enqueue({ ...key, state, description: state, targetUrl: '', buildNumber: 1 });
    const mine = async () => (await store.outbox.due(100)).filter((e) => e.projectId === key.projectId);

    await put('pending');
    await put('success');
    const [head] = await mine();
    if (head === undefined) throw new Error('no entry');
    const waiting = await store.outbox.size();
    await store.outbox.giveUp(head.id, '404 Commit Not Found');
    expect((await mine()).map((e) => e.state)).toEqual(['success']);
    expect(await store.outbox.size()).toBe(waiting - 1);
    const [refused] = (await store.outbox.refused(10)).filter((e) => e.projectId === key.projectId);
    expect(refused).toMatchObject({
      state: 'pending',
      lastError: '404 Commit Not Found',
      givenUpAt: clock.now(),
    });

    clock.advance(60_000);
    await store.outbox.prune(clock.now() - 1000);
    expect((await store.outbox.refused(10)).filter((e) => e.projectId === key.projectId)).toEqual([]);
    expect((await mine()).map((e) => e.state)).toEqual(['success']);
  });

  it('keeps a summary note on the newest build', async () => {
    const store = await db.open();
    expect(await store.summaryNotes.claim(5, 1, 3)).toBe(true);
    await store.summaryNotes.setNoteId(5, 1, 900);
    expect(await store.summaryNotes.claim(5, 1, 2)).toBe(false);
    expect(await store.summaryNotes.claim(5, 1, 3)).toBe(true);
    expect(await store.summaryNotes.claim(5, 1, 4)).toBe(true);
    expect(await store.summaryNotes.get(5, 1)).toMatchObject({ noteId: 900, buildNumber: 4 });
    expect(await store.summaryNotes.get(5, 2)).toBeUndefined();
  });

  it('holds a fork build once per commit, releases it once, and drops superseded ones', async () => {
    const store = await db.open();
    const repo = await newRepo(store);
    const base = {
      repoId: repo.id,
      projectId: repo.projectId,
      sourceProjectId: 99,
      mrIid: 3,
      ref: 'feature',
    };
    const a = await store.heldBuilds.hold({ ...base, sha: 'c'.repeat(40), request: { sha: 'c'.repeat(40) } });
    const again = await store.heldBuilds.hold({ ...base, sha: 'c'.repeat(40), request: {} });
    expect(again.id).toBe(a.id);
    expect(again.request).toEqual({ sha: 'c'.repeat(40) });
    const b = await store.heldBuilds.hold({ ...base, sha: 'd'.repeat(40), request: {} });
    expect((await store.heldBuilds.waiting(repo.projectId, 3)).map((h) => h.id)).toEqual([a.id, b.id]);

    const results = await Promise.all([
      store.heldBuilds.release(b.id, 'dev'),
      store.heldBuilds.release(b.id, 'dev2'),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.heldBuilds.setBuildNumber(b.id, 12);
    expect(await store.heldBuilds.get(b.id)).toMatchObject({ state: 'released', buildNumber: 12 });

    const dropped = await store.heldBuilds.drop(repo.projectId, 3, 'e'.repeat(40));
    expect(dropped.map((h) => h.id)).toEqual([a.id]);
    expect(await store.heldBuilds.waiting(repo.projectId, 3)).toEqual([]);
    expect(await store.heldBuilds.release(a.id, 'dev')).toBe(false);
  });
});
