/**
 * The SQLite connection. Reads made one after another without waiting for
 * anything else share one read transaction; it must never show a chain a
 * state older than what the chain could know of: a read after awaiting
 * another connection's write sees that write, a read after this connection's
 * own write sees it, and a failed read leaves nothing open. Writes asked for
 * together share one COMMIT, and one that fails takes nothing else with it.
 * Checkpoints run on a worker thread, not in commits.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../services/coordinator/store/db.js';
import { openSqlite } from '../../services/coordinator/store/sqlite.js';
import { Checkpointer } from '../../services/coordinator/store/sqlite-checkpointer.js';

let dir: string;
let a: Db;
let b: Db;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-sqlite-reads-'));
  const path = join(dir, 'hangar.db');
  a = openSqlite({ path });
  b = openSqlite({ path });
  await a.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
  await a.run('INSERT INTO t (id, v) VALUES (1, 1)');
});
afterEach(async () => {
  await a.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

const value = async (db: Db) => (await db.get<{ v: number }>('SELECT v FROM t WHERE id = 1'))?.v;

describe('reads on one SQLite connection', () => {
  it("see another connection's write once it was awaited, even within the same turn of the event loop", async () => {
    for (let v = 2; v <= 20; v++) {
      // The other connection's write is asked for first, so it commits early in the next turn.
      const written = b.run('UPDATE t SET v = ? WHERE id = 1', [v]);
      expect(await value(a)).toBe(v - 1);
      await written;
      expect(await value(a)).toBe(v);
    }
  });

  it('see their own writes, and the reads of a chain agree with each other', async () => {
    const [x, y] = await Promise.all([value(a), value(a)]);
    expect([x, y]).toEqual([1, 1]);
    await a.run('UPDATE t SET v = 5 WHERE id = 1');
    expect(await value(a)).toBe(5);
    const rows = await a.tx(async (q) => {
      await q.run('INSERT INTO t (id, v) VALUES (2, 7)');
      return q.all<{ id: number }>('SELECT id FROM t ORDER BY id');
    });
    expect(rows.map((r) => r.id)).toEqual([1, 2]);
    expect(await a.all('SELECT * FROM t ORDER BY id')).toEqual([
      { id: 1, v: 5 },
      { id: 2, v: 7 },
    ]);
  });

  it('leave no transaction open after a read fails, so writes go on', async () => {
    await expect(a.all('SELECT * FROM no_such_table')).rejects.toThrow(/no such table/);
    await a.run('UPDATE t SET v = 9 WHERE id = 1');
    expect(await value(b)).toBe(9);
    // A failed read right before a write in the same chain.
    const failed = a.get('SELECT nope FROM t').catch((e: unknown) => e);
    await a.run('UPDATE t SET v = 10 WHERE id = 1');
    expect(await failed).toBeInstanceOf(Error);
    expect(await value(b)).toBe(10);
  });
});

describe('writes on one SQLite connection', () => {
  it('commit together, and a failed write or transaction is undone alone', async () => {
    await a.exec('CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)');
    await a.run("INSERT INTO u (id, code) VALUES (1, 'a'), (2, 'b')");
    // Asked for in one turn: one group, one COMMIT.
    const results = await Promise.allSettled([
      a.run('UPDATE t SET v = 100 WHERE id = 1'),
      // One statement failing half way (the first row takes 'z', the second cannot): SQLite undoes the first row too.
      a.run("UPDATE u SET code = 'z'"),
      a.tx(async (q) => {
        await q.run("INSERT INTO u (id, code) VALUES (3, 'c')");
        await q.run("INSERT INTO u (id, code) VALUES (4, 'c')");
      }),
      a.run("INSERT INTO u (id, code) VALUES (5, 'e')"),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed: u.code/);
    expect(await value(b)).toBe(100);
    expect(await b.all('SELECT id, code FROM u ORDER BY id')).toEqual([
      { id: 1, code: 'a' },
      { id: 2, code: 'b' },
      { id: 5, code: 'e' },
    ]);
  });
});

describe('checkpoints', () => {
  const sizeOf = (p: string) => (existsSync(p) ? statSync(p).size : 0);

  it('are made by the worker: what is written reaches the database file without a commit doing it', async () => {
    const path = join(dir, 'checkpointed.db');
    const db = openSqlite({ path });
    try {
      await db.exec('CREATE TABLE big (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      const before = sizeOf(path);
      // About 2 MB: far fewer pages than SQLite's automatic checkpoint would wait for (1000),
      // and automatic checkpoints are off on this connection.
      for (let i = 0; i < 20; i++) {
        await db.tx(async (q) => {
          for (let k = 0; k < 25; k++) await q.run('INSERT INTO big (body) VALUES (?)', ['x'.repeat(4000)]);
        });
      }
      expect(sizeOf(`${path}-wal`)).toBeGreaterThan(1_000_000);
      const deadline = Date.now() + 5000;
      while (sizeOf(path) < before + 1_000_000 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(sizeOf(path)).toBeGreaterThan(before + 1_000_000);
      expect(await db.get('SELECT COUNT(*) AS n FROM big')).toEqual({ n: 500 });
    } finally {
      await db.close();
    }
    // Closed last, the serving connection folded the rest in and removed the WAL.
    expect(sizeOf(`${path}-wal`)).toBe(0);
    const again = openSqlite({ path });
    expect(await again.get('SELECT COUNT(*) AS n FROM big')).toEqual({ n: 500 });
    await again.close();
  });

  it('say so when the worker cannot run, so that commits checkpoint again', async () => {
    const failed = await new Promise<Error>((resolve) => {
      new Checkpointer(join(dir, 'no-such-dir', 'x.db'), resolve);
    });
    expect(failed.message).toMatch(/unable to open database file|directory does not exist/);
  });
});
