/**
 * Runs a store test file against both engines: a temporary SQLite file, and a
 * fresh PostgreSQL database (from HANGAR_TEST_POSTGRES_URL) made for the file
 * and dropped after it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../services/coordinator/store/db.js';
import {
  type DatabaseConfig,
  openStore,
  type Store,
  type StoreOptions,
} from '../../services/coordinator/store/index.js';
import { openPostgres } from '../../services/coordinator/store/postgres.js';
import { openSqlite } from '../../services/coordinator/store/sqlite.js';
import type { JobPlan, StepSpec } from '../../services/shared/pipeline/types.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export const POSTGRES_URL =
  process.env.HANGAR_TEST_POSTGRES_URL ?? 'postgres://hangar:hangar@127.0.0.1:5432/postgres';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  /** Valid after beforeAll. */
  config(): DatabaseConfig;
  /** Opens a store on this file's database; closed after the file. */
  open(opts?: Omit<StoreOptions, 'database'>): Promise<Store>;
  /** The database without the store, for looking at what is stored. */
  raw(): Promise<Db>;
}

/** Call inside describe(): sets up a database of `engine` for the enclosing block. */
export function useDatabase(engine: Engine): TestDatabase {
  let config: DatabaseConfig | undefined;
  let dir: string | undefined;
  let dbName: string | undefined;
  const opened: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    if (engine === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'hangar-store-'));
      config = { engine: 'sqlite', path: join(dir, 'hangar.db') };
      return;
    }
    dbName = `hangar_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = await openPostgres({ url: POSTGRES_URL, maxConnections: 1 });
    try {
      await admin.run(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.close();
    }
    config = { engine: 'postgres', url: withDatabase(POSTGRES_URL, dbName) };
  });

  afterAll(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => {});
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    if (dbName !== undefined) {
      const admin = await openPostgres({ url: POSTGRES_URL, maxConnections: 1 });
      try {
        await admin.run(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
    }
  });

  const cfg = () => {
    if (config === undefined) throw new Error('the test database is set up in beforeAll');
    return config;
  };
  return {
    config: cfg,
    async open(opts = {}) {
      const store = await openStore({ ...opts, database: cfg() });
      opened.push(store);
      return store;
    },
    async raw() {
      const c = cfg();
      const db = c.engine === 'sqlite' ? openSqlite({ path: c.path }) : await openPostgres({ url: c.url });
      opened.push(db);
      return db;
    },
  };
}

/** A clock tests move by hand. */
export function manualClock(start = 1_767_225_600_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

let projectIds = 1000;
/** A registered repository with a project id unique in this process. */
export async function newRepo(store: Store, overrides: { slug?: string } = {}) {
  const projectId = ++projectIds;
  return store.repos.create({
    projectId,
    slug: overrides.slug ?? `group/project-${projectId}`,
    cloneUrl: `https://gitlab.example.com/group/project-${projectId}.git`,
  });
}

function step(name: string): StepSpec {
  return {
    name,
    image: 'hangar/busybox:latest',
    pull: 'if-not-exists',
    commands: ['echo hi'],
    environment: {},
    secrets: [],
    run: true,
    onSuccess: true,
    onFailure: false,
    dependsOn: [],
    detach: false,
    privileged: false,
    volumes: [],
    extraHosts: [],
    devices: [],
    failure: 'fail',
  };
}

/** A job plan with a clone step, the given service and step names. */
export function plan(
  pipeline: string,
  steps: string[],
  opts: Partial<Omit<JobPlan, 'services'>> & { services?: string[] } = {},
): JobPlan {
  const { services = [], ...rest } = opts;
  return {
    pipeline,
    run: true,
    platform: { os: 'linux', arch: 'amd64' },
    workspace: { base: '/drone', path: 'src', dir: '/drone/src' },
    clone: step('clone'),
    services: services.map(step),
    steps: steps.map(step),
    volumes: {},
    dependsOn: [],
    environment: { DRONE: 'true' },
    imagePullSecrets: [],
    labels: {},
    ...rest,
  };
}

export const PUSH = { event: 'push', ref: 'refs/heads/main', branch: 'main', sha: 'a'.repeat(40) } as const;
