/**
 * The SQL surface every aggregate of the store is written against. Two engines
 * implement it (sqlite.ts, postgres.ts); SQL is written once with `?`
 * placeholders and the few dialect differences come from `Dialect`.
 */

export type SqlValue = string | number | boolean | null;

export interface Queryable {
  /** Every row the statement returns. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Column type of an auto-numbered primary key that never reuses a value. */
  readonly idColumn: string;
  /**
   * Appended to a SELECT inside a transaction to lock the rows it reads until
   * commit. Empty on SQLite, whose write transactions exclude each other.
   */
  readonly forUpdate: string;
  readonly forShare: string;
}

export interface Db extends Queryable {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in one transaction that holds the write lock from its start:
   * commits when it resolves, rolls back when it throws. Transactions do not nest.
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: string, q?: Queryable): Promise<void>;
  close(): Promise<void>;
}

/** Whether an error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
