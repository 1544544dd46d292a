/**
 * The SQLite engine (better-sqlite3): one connection per store, WAL journal,
 * foreign keys on. better-sqlite3 is synchronous; transactions here span
 * awaits, so a mutex keeps every other statement of this connection out of an
 * open transaction. When another connection (another process, or another
 * store on the same file) holds the write lock, writes wait for it by retrying
 * on timers rather than with SQLite's busy timeout, which would block the
 * event loop and, in one process, never see the other transaction finish.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage } from '../../shared/errors.js';
import type { Db, Dialect, Queryable, SqlValue } from './db.js';
import { DatabaseUnavailableError } from './errors.js';

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
  return new SqliteDb(db, opts.path, opts.busyTimeoutMs ?? 5000);
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function bind(params: readonly SqlValue[]): unknown[] {
  return params.map((p) => (p === true ? 1 : p === false ? 0 : p));
}

class SqliteDb implements Db {
  readonly dialect = DIALECT;
  private readonly statements = new Map<string, Statement>();
  /** Transactions holding or waiting for the connection. */
  private busy = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly direct: Queryable;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {
    this.direct = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        this.prepare(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        this.prepare(sql).get(...bind(params)) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) =>
        this.prepare(sql).run(...bind(params)).changes,
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

  /** Runs `fn` once no transaction holds the connection. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.busy += 1;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      return await fn();
    } finally {
      this.busy -= 1;
      release();
    }
  }

  /** Runs `fn`, again and again while another connection holds the write lock, up to the busy timeout. */
  private async whenUnlocked<T>(fn: () => Promise<T>): Promise<T> {
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

  private outside<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const attempt = () => this.whenUnlocked(() => fn(this.direct));
    return this.busy === 0 ? attempt() : this.exclusive(attempt);
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.outside((q) => q.all<T>(sql, params));
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.outside((q) => q.get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.outside((q) => q.run(sql, params));
  }

  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.whenUnlocked(async () => {
        this.db.exec('BEGIN IMMEDIATE');
      });
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async exec(sql: string, q?: Queryable): Promise<void> {
    // Inside tx() the connection is already held; exec is synchronous.
    if (q !== undefined) {
      this.db.exec(sql);
      return;
    }
    await this.outside(async () => {
      this.db.exec(sql);
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      this.statements.clear();
      if (this.db.open) this.db.close();
    });
  }
}
