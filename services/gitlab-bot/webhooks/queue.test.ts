import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/log.js';
import { type QueueItem, WebhookQueue } from './queue.js';
import type { WorkOutcome } from './work.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function recorder(opts: { failFirst?: Set<number>; backlog?: QueueItem[] } = {}) {
  const done: number[] = [];
  const running = new Set<number>();
  let maxTogether = 0;
  const projectsRunning = new Map<number, number>();
  let overlapSameProject = false;
  const tried = new Set<number>();
  const items = new Map<number, QueueItem>();
  const work = async (id: number): Promise<WorkOutcome> => {
    const project = items.get(id)?.projectId ?? 0;
    if ((projectsRunning.get(project) ?? 0) > 0) overlapSameProject = true;
    projectsRunning.set(project, (projectsRunning.get(project) ?? 0) + 1);
    running.add(id);
    maxTogether = Math.max(maxTogether, running.size);
    await tick(10);
    running.delete(id);
    projectsRunning.set(project, (projectsRunning.get(project) ?? 1) - 1);
    if (opts.failFirst?.has(id) && !tried.has(id)) {
      tried.add(id);
      return { kind: 'retry', afterMs: 20 };
    }
    done.push(id);
    return { kind: 'done', summary: 'ok' };
  };
  const backlog = opts.backlog ?? [];
  for (const b of backlog) items.set(b.id, b);
  const load = async (limit: number, afterId: number) =>
    backlog.filter((b) => b.id > afterId).slice(0, limit);
  return {
    work,
    load,
    items,
    done,
    stats: () => ({ maxTogether, overlapSameProject }),
  };
}

describe('the webhook work queue', () => {
  it('runs deliveries of one project in arrival order, even across a retry, and projects side by side', async () => {
    const r = recorder({ failFirst: new Set([1]) });
    const q = new WebhookQueue({ limit: 10, concurrency: 3, work: r.work, load: r.load, log: silentLogger });
    const items = [
      { id: 1, projectId: 7 },
      { id: 2, projectId: 7 },
      { id: 3, projectId: 8 },
      { id: 4, projectId: 9 },
      { id: 5, projectId: 7 },
    ];
    for (const it of items) {
      r.items.set(it.id, it);
      expect(q.reserve()).toBe(true);
      q.push(it);
    }
    await q.idle();
    expect(r.done.filter((id) => [1, 2, 5].includes(id))).toEqual([1, 2, 5]);
    expect(r.done).toHaveLength(5);
    expect(r.stats()).toEqual({ maxTogether: 3, overlapSameProject: false });
  });

  it('refuses a place at the limit until one frees', async () => {
    const r = recorder();
    const q = new WebhookQueue({ limit: 2, concurrency: 1, work: r.work, load: r.load, log: silentLogger });
    expect(q.reserve()).toBe(true);
    expect(q.reserve()).toBe(true);
    expect(q.reserve()).toBe(false);
    r.items.set(1, { id: 1, projectId: 1 });
    q.push({ id: 1, projectId: 1 });
    // One place holds a running delivery, the other is still reserved.
    expect(q.size).toBe(2);
    expect(q.reserve()).toBe(false);
    while (r.done.length === 0) await tick();
    q.unreserve();
    await q.idle();
    expect(q.size).toBe(0);
    expect(q.reserve()).toBe(true);
    expect(r.done).toEqual([1]);
  });

  it('picks up deliveries left queued by an earlier process, more than the limit in batches', async () => {
    const backlog = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, projectId: (i % 3) + 1 }));
    const r = recorder({ backlog });
    const q = new WebhookQueue({ limit: 6, concurrency: 2, work: r.work, load: r.load, log: silentLogger });
    await q.start();
    await q.idle();
    for (let i = 0; i < 50 && r.done.length < 25; i++) {
      await tick(20);
      await q.idle();
    }
    expect([...r.done].sort((a, b) => a - b)).toEqual(backlog.map((b) => b.id));
    for (const p of [1, 2, 3]) {
      const mine = r.done.filter((id) => backlog[id - 1]?.projectId === p);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  });
});
