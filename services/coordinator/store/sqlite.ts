/**
 * The SQLite engine (better-sqlite3): one connection per store, WAL journal,
 * foreign keys on. better-sqlite3 is synchronous; transactions here span
 * awaits, so the connection runs one piece of work at a time, in the order
 * asked, and nothing else runs inside an open transaction.
 *
 * Group commit: writes (and transactions) asked for while others wait or run
 * share one SQLite transaction and one COMMIT, each transaction in its own
 * savepoint (a single statement needs none: SQLite undoes it if it fails):
 * a coordinator serving many runners at once writes each page once per group
 * rather than once per change. Every caller's promise settles only after the
 * COMMIT that made its change durable; a change that fails rolls back its own
 * savepoint and leaves the others of its group alone. Reads asked for while
 * no write waits or runs go straight to the connection. Reads made one after
 * another without waiting for anything else (a chain of awaited reads) share
 * one read transaction: in WAL mode starting and ending one costs more than a
 * simple SELECT. It ends as soon as the chain waits for anything else (when
 * the microtask queue runs empty), so it never spans an event from outside:
 * whatever the chain could have learned of, it sees. A write group ends it too.
 *
 * Checkpoints run on a worker thread (sqlite-checkpointer.ts), not inside
 * commits.
 *
 * When another connection (another process, or another store on the same
 * file) holds the write lock, writes wait for it by retrying on timers rather
 * than with SQLite's busy timeout, which would block the event loop and, in
 * one process, never see the other transaction finish.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage } from '../../shared/errors.js';
import type { Db, Dialect, Queryable, SqlValue } from './db.js';
import { DatabaseUnavailableError } from './errors.js';
import { Checkpointer } from './sqlite-checkpointer.js';

const DIALECT: Dialect = Object.freeze({
  name: 'sqlite',
  idColumn: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  forUpdate: '',
  forShare: '',
});

const STATEMENT_CACHE_LIMIT = 500;

/**
 * SQLite's page cache per connection, in KiB. better-sqlite3 builds SQLite with
 * 16 MiB, which a coordinator fills by serving old builds once and keeps for
 * good; 2 MiB is SQLite's own default, and pages beyond it come from the
 * operating system's file cache.
 */
const PAGE_CACHE_KIB = 2048;

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** How long to wait for another connection's write lock, in milliseconds. */
  busyTimeoutMs?: number;
  /** Told when checkpoints fall back to the serving connection (the worker failed). */
  onCheckpointerFailure?: (err: Error) => void;
}

type Statement = Database.Statement<unknown[], unknown>;

export function openSqlite(opts: SqliteOptions): Db {
  let db: Database.Database;
  try {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    db = new Database(opts.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 0');
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  } catch (err) {
    throw new DatabaseUnavailableError(
      `cannot open the SQLite database ${opts.path}: ${errorMessage(err)}; check HANGAR_DATABASE_PATH and that its directory is writable`,
      err,
    );
  }
  let checkpointer: Checkpointer | undefined;
  if (opts.path !== ':memory:') {
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = new Checkpointer(opts.path, (err) => {
      // Back to SQLite's own checkpoints, inside commits: slower, never unbounded.
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
      opts.onCheckpointerFailure?.(err);
    });
  }
  return new SqliteDb(db, opts.path, opts.busyTimeoutMs ?? 5000, checkpointer);
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bind(params: readonly SqlValue[]): unknown[] {
  return params.map((p) => (p === true ? 1 : p === false ? 0 : p));
}

/** Statements that only read (a WITH may hide a write: it counts as one). */
const READ_ONLY = /^\s*SELECT\b/i;

/** Changes committed together at most; more wait for the next COMMIT. */
const GROUP_LIMIT = 64;

interface Work {
  run: (q: Queryable) => Promise<unknown>;
  /** A write or a transaction: runs in a group. */
  writes: boolean;
  /**
   * More than one statement (a transaction): it runs in a savepoint, undone
   * as a whole if it fails. A single statement needs none: SQLite undoes a
   * failed statement by itself.
   */
  several: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

class SqliteDb implements Db {
  readonly dialect = DIALECT;
  private readonly statements = new Map<string, Statement>();
  /** Work waiting for the connection, in the order asked. */
  private queue: Work[] = [];
  /** A drain is scheduled or running: new work joins the queue. */
  private draining = false;
  private readonly direct: Queryable;
  /** Transaction control, prepared once. */
  private readonly control: Record<
    'begin' | 'beginRead' | 'commit' | 'rollback' | 'save' | 'release' | 'undo',
    Statement
  >;
  /** A read transaction is open for the reads of this turn. */
  private reading = false;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly checkpointer: Checkpointer | undefined,
  ) {
    this.direct = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        this.prepare(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        this.prepare(sql).get(...bind(params)) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) =>
        this.prepare(sql).run(...bind(params)).changes,
    };
    this.control = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      beginRead: db.prepare('BEGIN DEFERRED'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      save: db.prepare('SAVEPOINT work'),
      release: db.prepare('RELEASE work'),
      undo: db.prepare('ROLLBACK TO work'),
    };
  }

  private prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt === undefined) {
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs `fn`, again and again while another connection holds the write lock, up to the busy timeout. */
  private async whenUnlocked<T>(fn: () => Promise<T> | T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        return await fn();
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (Date.now() >= deadline) {
          throw new DatabaseUnavailableError(
            `the SQLite database ${this.path} stayed locked by another connection for ${this.busyTimeoutMs} ms; is another Hangar coordinator using it?`,
            err,
          );
        }
        await sleep(wait);
      }
    }
  }

  /**
   * Queues work for the connection. Writes wait for the end of the current
   * turn of the event loop, so that those asked for meanwhile share their commit.
   */
  private submit<T>(run: (q: Queryable) => Promise<T>, writes: boolean, several = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, writes, several, resolve: resolve as (v: unknown) => void, reject });
      if (this.draining) return;
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Reads ahead of the first write run on their own; then a group of writes
        // (with the reads asked for among them, which must see those writes).
        const head = this.queue[0] as Work;
        if (!head.writes) {
          this.queue.shift();
          await this.single(head);
          continue;
        }
        const group = this.queue.splice(0, GROUP_LIMIT);
        await this.group(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async single(work: Work): Promise<void> {
    try {
      work.resolve(await this.whenUnlocked(() => work.run(this.direct)));
    } catch (err) {
      work.reject(err);
    }
  }

  /**
   * Opens a read transaction, if none is open. It ends once the microtask
   * queue has run empty (Node runs nextTick callbacks only then, when they are
   * queued from a microtask), that is when the chain of reads waits for
   * something other than a read.
   */
  private startReading(): void {
    if (this.reading || this.db.inTransaction) return;
    this.control.beginRead.run();
    this.reading = true;
    process.nextTick(() => this.endReading());
  }

  /** Ends the shared read transaction (when the chain of reads paused, before a write or a close). */
  private endReading(): void {
    if (!this.reading) return;
    this.reading = false;
    if (this.db.inTransaction) this.control.commit.run();
  }

  /** One SQLite transaction for the group, a savepoint for each piece of work, one COMMIT. */
  private async group(group: Work[]): Promise<void> {
    this.endReading();
    try {
      await this.whenUnlocked(() => this.control.begin.run());
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    const outcomes: Outcome[] = [];
    const { save, release, undo } = this.control;
    for (const [i, work] of group.entries()) {
      // A read changes nothing, a single statement is undone by SQLite itself: neither needs a savepoint.
      if (work.several) save.run();
      try {
        const value = await work.run(this.direct);
        if (work.several) release.run();
        outcomes.push({ ok: true, value });
      } catch (err) {
        if (!this.db.inTransaction) {
          // SQLite rolled the whole transaction back: the group's earlier work is gone too.
          for (const [j, w] of group.entries()) {
            if (j < i) w.reject(err);
          }
          work.reject(err);
          this.queue.unshift(...group.slice(i + 1));
          return;
        }
        if (work.several) {
          undo.run();
          release.run();
        }
        outcomes.push({ ok: false, err });
      }
    }
    try {
      this.control.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.control.rollback.run();
      for (const w of group) w.reject(err);
      return;
    }
    for (const [i, w] of group.entries()) {
      const o = outcomes[i] as Outcome;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.err);
    }
  }

  /** Reads go straight to the connection unless work waits or runs, which they must follow. */
  private read<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    if (this.draining) return this.submit(fn, false);
    return this.whenUnlocked(async () => {
      this.startReading();
      try {
        return await fn(this.direct);
      } catch (err) {
        // Tried again (locked) or reported: either way from a fresh snapshot.
        this.endReading();
        throw err;
      }
    });
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    const fn = (q: Queryable) => q.all<T>(sql, params);
    return READ_ONLY.test(sql) ? this.read(fn) : this.submit(fn, true);
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    const fn = (q: Queryable) => q.get<T>(sql, params);
    return READ_ONLY.test(sql) ? this.read(fn) : this.submit(fn, true);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    const fn = (q: Queryable) => q.run(sql, params);
    return READ_ONLY.test(sql) ? this.read(fn) : this.submit(fn, true);
  }

  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.submit(fn, true, true);
  }

  async exec(sql: string, q?: Queryable): Promise<void> {
    // Inside tx() the connection is already held; exec is synchronous.
    if (q !== undefined) {
      this.db.exec(sql);
      return;
    }
    await this.submit(
      async () => {
        this.db.exec(sql);
      },
      true,
      true,
    );
  }

  async close(): Promise<void> {
    if (this.draining) await this.submit(async () => {}, false).catch(() => {});
    this.endReading();
    this.statements.clear();
    // The worker's connection closes first: closing last, this one checkpoints what is left.
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}
