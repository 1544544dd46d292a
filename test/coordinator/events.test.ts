/**
 * The event publisher on a real NATS: events published while NATS is away
 * arrive once it is back, in order, with growing versions; at its limit the
 * queue drops superseded events first, so the newest state of each build,
 * job and step still arrives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoordinatorEvent, EventPublisher } from '../../services/coordinator/events.js';
import { openStore, type Store } from '../../services/coordinator/store/index.js';
import { silentLogger } from '../../services/shared/log.js';
import { Bus } from '../../services/shared/nats/bus.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';
import { waitFor } from './harness.js';

let nats: NatsServer;
let store: Store;
let dir: string;
beforeAll(async () => {
  nats = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), 'hangar-events-'));
  store = await openStore({ database: { engine: 'sqlite', path: join(dir, 'db') } });
});
afterAll(async () => {
  await store?.close();
  await nats?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function follow(durable: string) {
  const bus = await Bus.connect({ url: nats.url, name: durable, log: silentLogger });
  const seen: CoordinatorEvent[] = [];
  const abort = new AbortController();
  void (async () => {
    for await (const d of bus.events<CoordinatorEvent>(durable, { signal: abort.signal })) {
      seen.push(d.event);
      d.ack();
    }
  })().catch(() => {});
  return {
    seen,
    close: async () => {
      abort.abort();
      await bus.close();
    },
  };
}

async function newBuild(n: number) {
  const repo = await store.repos.create({ projectId: 100 + n, slug: `g/p${n}`, cloneUrl: 'https://x/g.git' });
  const { build } = await store.builds.create(repo.id, {
    event: 'push',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
  });
  return { repo, build };
}

describe('event publisher', () => {
  it('keeps events while NATS is away and publishes the newest state of each build, in order, when it is back', async () => {
    const bus = await Bus.connect({ url: nats.url, name: 'publisher', log: silentLogger });
    const events = new EventPublisher(bus, store, silentLogger);
    const one = await newBuild(1);
    const two = await newBuild(4);
    await nats.stop();
    await events.build({ ...one.build, status: 'pending' }, one.repo);
    await events.build({ ...one.build, status: 'running' }, one.repo);
    await events.build({ ...two.build, status: 'pending' }, two.repo);
    await events.build({ ...one.build, status: 'success' }, one.repo);
    expect(events.pending).toBeGreaterThan(0);
    await nats.start();
    const bot = await follow('bot-1');
    const mine = await waitFor(
      'the newest event of both builds',
      () => {
        const got = bot.seen.filter((e) => e.buildId === one.build.id || e.buildId === two.build.id);
        return got.some((e) => e.kind === 'build' && e.status === 'success') &&
          got.some((e) => e.buildId === two.build.id)
          ? got
          : undefined;
      },
      30_000,
    );
    const firstStates = mine
      .filter((e) => e.buildId === one.build.id)
      .map((e) => (e.kind === 'build' ? e.status : ''));
    const order = ['pending', 'running', 'success'];
    const at = firstStates.map((st) => order.indexOf(st));
    expect(at.every((i, k) => i >= 0 && (k === 0 || i > (at[k - 1] as number)))).toBe(true);
    expect(firstStates.at(-1)).toBe('success');
    const ofFirst = mine.filter((e) => e.buildId === one.build.id);
    expect(ofFirst.every((e) => e.repoSlug === 'g/p1' && e.buildNumber === 1 && e.projectId === 101)).toBe(
      true,
    );
    const v = mine.map((e) => e.version);
    expect([...v].sort((a, b) => a - b)).toEqual(v);
    await waitFor('an empty queue', () => events.pending === 0);
    await events.close(1000);
    await bot.close();
    await bus.close();
  });

  it('drops superseded events first when its queue is full', async () => {
    const bus = await Bus.connect({ url: nats.url, name: 'publisher-2', log: silentLogger });
    const events = new EventPublisher(bus, store, silentLogger, 4);
    const a = await newBuild(2);
    const b = await newBuild(3);
    await nats.stop();
    for (let i = 0; i < 10; i++) {
      await events.build({ ...a.build, error: `a${i}` }, a.repo);
      await events.build({ ...b.build, error: `b${i}` }, b.repo);
    }
    expect(events.pending).toBeLessThanOrEqual(4);
    await nats.start();
    const bot = await follow('bot-2');
    await waitFor(
      'the newest event of each build',
      () => {
        const errs = bot.seen.flatMap((e) => (e.kind === 'build' ? [e.error] : []));
        return errs.includes('a9') && errs.includes('b9');
      },
      30_000,
    );
    await events.close(1000);
    await bot.close();
    await bus.close();
  });
});
