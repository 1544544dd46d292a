import type { Cipher } from './crypto.js';
import type { Db } from './db.js';

/** What every aggregate of the store is built from. */
export interface StoreContext {
  db: Db;
  now: () => number;
  /** Absent when no secret key is configured. */
  cipher?: Cipher;
  /** Bytes of log kept per step. */
  logLimit: number;
}
