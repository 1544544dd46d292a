/**
 * Checkpoints off the event loop. A checkpoint copies the WAL back into the
 * database file and syncs both to disk: milliseconds of I/O that, left to
 * SQLite's automatic checkpoints, run inside whichever COMMIT crosses the
 * threshold and stall every request waiting behind it. Here a worker thread
 * with its own connection to the same file runs a passive checkpoint (it
 * never waits for, nor blocks, the serving connection's readers and writer)
 * a few times a second, and the serving connection has automatic
 * checkpoints off. Should the worker fail, automatic checkpoints come back.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints. */
export const CHECKPOINT_EVERY_MS = 250;

/** The worker, as CommonJS evaluated from a string: no file of its own to find in dist/ or source. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 100');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    // Busy now (another checkpoint, a recovery): the next tick tries again.
    if (!String(err && err.code).startsWith('SQLITE_BUSY')) throw err;
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage('stopped');
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private failed = false;

  /** `onFailure` gets why the worker stopped, so that the caller can checkpoint again itself. */
  constructor(path: string, onFailure: (err: Error) => void, everyMs = CHECKPOINT_EVERY_MS) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { module, path, everyMs } });
    this.worker.unref();
    this.worker.on('error', (err) => {
      if (this.failed) return;
      this.failed = true;
      onFailure(err);
    });
  }

  /** Stops the worker after its connection closed (no checkpoint runs half done). */
  async stop(): Promise<void> {
    if (this.failed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage('stop');
    });
    await this.worker.terminate();
  }
}
