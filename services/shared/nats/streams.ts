/**
 * The two JetStream streams, created when missing: the job work queue (each
 * message stays until one runner acknowledges it) and the build events (kept
 * a week for the bot's durable consumer). Both are on disk, and both drop a
 * repeated publish of the same message id within two minutes.
 */
import { type JetStreamManager, RetentionPolicy, StorageType } from 'nats';

export const JOBS_STREAM = 'HANGAR_JOBS';
export const EVENTS_STREAM = 'HANGAR_EVENTS';

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];

export async function ensureStreams(
  jsm: JetStreamManager,
  subjects: { jobs: string; events: string },
): Promise<void> {
  await ensureStream(jsm, {
    name: JOBS_STREAM,
    subjects: [subjects.jobs],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: 120 * 1_000_000_000,
  });
  await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: [subjects.events],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * 24 * 3600 * 1_000_000_000,
    duplicate_window: 120 * 1_000_000_000,
  });
}

async function ensureStream(jsm: JetStreamManager, cfg: StreamConfig): Promise<void> {
  try {
    await jsm.streams.info(cfg.name as string);
  } catch {
    try {
      await jsm.streams.add(cfg);
    } catch (err) {
      // Another process created it between our look and our add.
      await jsm.streams.info(cfg.name as string).catch(() => {
        throw err;
      });
    }
  }
}
