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
  it('keeps events while NATS is away and publishes them in order when it is back', async () => {
    const bus = await Bus.connect({ url: nats.url, name: 'publisher', log: silentLogger });
    const events = new EventPublisher(bus, store, silentLogger);
    const { repo, build } = await newBuild(1);
    await nats.stop();
    for (const status of ['pending', 'running', 'success'] as const) {
      await events.build({ ...build, status }, repo);
    }
    expect(events.pending).toBeGreaterThan(0);
    await nats.start();
    const bot = await follow('bot-1');
    const mine = await waitFor(
      'three events',
      () => {
        const got = bot.seen.filter((e) => e.buildId === build.id);
        return got.length >= 3 ? got : undefined;
      },
      30_000,
    );
    expect(mine.map((e) => (e.kind === 'build' ? e.status : ''))).toEqual(['pending', 'running', 'success']);
    expect(mine.every((e) => e.repoSlug === 'g/p1' && e.buildNumber === 1 && e.projectId === 101)).toBe(true);
    const v = mine.map((e) => e.version);
    expect(v[0]! < v[1]! && v[1]! < v[2]!).toBe(true);
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
