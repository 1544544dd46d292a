/**
 * The coordinator's store: the one owner of the database (better-sqlite3 or
 * pg). Everything else in Hangar reads and writes state through `Store`.
 */
import type { Logger } from '../../shared/log.js';
import { type BuildStore, buildStore } from './builds.js';
import type { StoreContext } from './context.js';
import { Cipher } from './crypto.js';
import type { Db } from './db.js';
import { type DeliveryStore, deliveryStore } from './deliveries.js';
import { SecretKeyError } from './errors.js';
import { type HeldBuildStore, heldBuildStore } from './held-builds.js';
import { type JobStore, jobStore } from './jobs.js';
import { type LogStore, logStore } from './logs.js';
import { type MigrateResult, migrate } from './migrate.js';
import { type SummaryNoteStore, summaryNoteStore } from './mr-notes.js';
import { type StatusOutbox, statusOutbox } from './outbox.js';
import { type RegistryStore, registryStore } from './registries.js';
import { type RepoStore, repoStore } from './repos.js';
import { type RunnerStore, runnerStore } from './runners.js';
import { type SecretStore, secretStore } from './secrets.js';
import { type StepStore, stepStore } from './steps.js';

export type DatabaseConfig = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export interface StoreOptions {
  database: DatabaseConfig;
  /** 32-byte key for secrets and registry passwords; without it they cannot be stored. */
  secretKey?: Buffer;
  /** Bytes of log kept per step; default 10 MiB. */
  logLimit?: number;
  /** Milliseconds since the epoch; tests pass their own clock. */
  clock?: () => number;
  log?: Logger;
}

export interface Store {
  readonly engine: DatabaseConfig['engine'];
  /** Whether a secret key is configured (secrets, registry passwords and clone credentials can be kept). */
  readonly canEncrypt: boolean;
  /** What opening the store did to the schema. */
  readonly schema: MigrateResult;
  readonly repos: RepoStore;
  readonly builds: BuildStore;
  readonly jobs: JobStore;
  readonly steps: StepStore;
  readonly logs: LogStore;
  readonly runners: RunnerStore;
  readonly secrets: SecretStore;
  readonly registries: RegistryStore;
  /** The GitLab bot's webhook deliveries (deduplication and restart pick-up). */
  readonly deliveries: DeliveryStore;
  /** The GitLab bot's commit statuses waiting to be posted. */
  readonly outbox: StatusOutbox;
  /** The GitLab bot's summary note of each merge request. */
  readonly summaryNotes: SummaryNoteStore;
  /** Fork merge-request builds waiting for `/hangar approve`. */
  readonly heldBuilds: HeldBuildStore;
  close(): Promise<void>;
}

export const DEFAULT_LOG_LIMIT = 10 * 1024 * 1024;

const KEY_CHECK = 'secret_key_check';
const KEY_CHECK_TEXT = 'hangar secret key check';

/**
 * The first key used on a database is remembered (as a value encrypted with
 * it), so a different key is refused at start-up rather than failing later on
 * the first secret.
 */
async function checkKey(db: Db, cipher: Cipher): Promise<void> {
  const row = await db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [KEY_CHECK]);
  if (row === undefined) {
    await db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
      KEY_CHECK,
      cipher.encrypt(KEY_CHECK_TEXT, KEY_CHECK),
    ]);
    return;
  }
  if (cipher.decrypt(row.value, KEY_CHECK) !== KEY_CHECK_TEXT) {
    throw new SecretKeyError(
      'HANGAR_SECRET_KEY (or DRONE_DATABASE_SECRET) is not the key this database was set up with; set it to the earlier key, or secrets and registry passwords cannot be read',
    );
  }
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  // Each engine's driver loads only when it is the one configured.
  const db =
    opts.database.engine === 'sqlite'
      ? (await import('./sqlite.js')).openSqlite({
          path: opts.database.path,
          onCheckpointerFailure: (err) =>
            opts.log?.warn(
              { err },
              'the SQLite checkpoint worker failed; checkpoints now run inside commits',
            ),
        })
      : await (await import('./postgres.js')).openPostgres({
          url: opts.database.url,
          ...(opts.log ? { log: opts.log } : {}),
        });
  const now = opts.clock ?? Date.now;
  try {
    const schema = await migrate(db, now);
    if (schema.applied.length > 0) {
      opts.log?.info(
        { engine: db.dialect.name, applied: schema.applied, version: schema.version },
        'database migrated',
      );
    }
    const cipher = opts.secretKey === undefined ? undefined : new Cipher(opts.secretKey);
    if (cipher !== undefined) await checkKey(db, cipher);
    const ctx: StoreContext = {
      db,
      now,
      ...(cipher === undefined ? {} : { cipher }),
      logLimit: opts.logLimit ?? DEFAULT_LOG_LIMIT,
    };
    return {
      engine: opts.database.engine,
      canEncrypt: cipher !== undefined,
      schema,
      repos: repoStore(ctx),
      builds: buildStore(ctx),
      jobs: jobStore(ctx),
      steps: stepStore(ctx),
      logs: logStore(ctx),
      runners: runnerStore(ctx),
      secrets: secretStore(ctx),
      registries: registryStore(ctx),
      deliveries: deliveryStore(ctx),
      outbox: statusOutbox(ctx),
      summaryNotes: summaryNoteStore(ctx),
      heldBuilds: heldBuildStore(ctx),
      close: () => db.close(),
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

export type { BuildFilter, BuildStore, CancelResult, JobPlanner } from './builds.js';
export { parseSecretKey } from './crypto.js';
export type { DeliveryInput, DeliveryState, DeliveryStore, WebhookDelivery } from './deliveries.js';
export * from './errors.js';
export type { HeldBuild, HeldBuildInput, HeldBuildStore, HeldState } from './held-builds.js';
export { RUNNER_LOST } from './job-leases.js';
export type { JobStore } from './jobs.js';
export type { LogStore } from './logs.js';
export { truncationMarker } from './logs.js';
export type { SummaryNote, SummaryNoteStore } from './mr-notes.js';
export type { EnqueueResult, OutboxEntry, OutboxInput, StatusOutbox } from './outbox.js';
export type { RegistryStore } from './registries.js';
export type { RepoStore } from './repos.js';
export type { RunnerStore } from './runners.js';
export type { SecretStore } from './secrets.js';
export { DEFAULT_SECRET_EVENTS } from './secrets.js';
export type { StepStore } from './steps.js';
export { planStepNames } from './steps.js';
export * from './types.js';
