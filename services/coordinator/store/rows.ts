/** Conversions from database values, which differ a little between the engines. */

/** SQLite gives 0/1, PostgreSQL true/false. */
export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}

/** NULL becomes undefined; numbers stay numbers. */
export function optNumber(v: unknown): number | undefined {
  return v === null || v === undefined ? undefined : Number(v);
}

export function num(v: unknown): number {
  return Number(v);
}

export function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

export function json<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string' || v === '') return fallback;
  return JSON.parse(v) as T;
}

/** `(?, ?, ?)` for an IN list of n values (n ≥ 1). */
export function inList(n: number): string {
  return `(${Array.from({ length: n }, () => '?').join(', ')})`;
}
