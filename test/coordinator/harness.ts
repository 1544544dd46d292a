/**
 * A real coordinator for tests: a nats-server of its own, SQLite in a temp
 * directory (or a fresh PostgreSQL database), and the coordinator started
 * with startCoordinator (restartable on the same database and port).
 * Simulated runners are plain gRPC clients of RunnerService plus the NATS
 * work queue (no Docker); builds are made through BuildService. Every client
 * call carries a deadline.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type Metadata } from '@grpc/grpc-js';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import type { CreateBuildRequest } from '../../proto/generated/hangar/v1/CreateBuildRequest.js';
import type { LogChunk__Output } from '../../proto/generated/hangar/v1/LogChunk.js';
import type { Status } from '../../proto/generated/hangar/v1/Status.js';
import type { TailLogRequest } from '../../proto/generated/hangar/v1/TailLogRequest.js';
import { type BuildClient, BuildServiceClient } from '../../proto/load.js';
import { loadCoordinatorConfig } from '../../services/coordinator/config.js';
import { type CoordinatorHandle, startCoordinator } from '../../services/coordinator/coordinator.js';
import type { CoordinatorEvent } from '../../services/coordinator/events.js';
import type { Repo, RepoSettings } from '../../services/coordinator/store/index.js';
import { openPostgres } from '../../services/coordinator/store/postgres.js';
import { authMetadata } from '../../services/shared/grpc/auth.js';
import { unary } from '../../services/shared/grpc/call.js';
import { withDeadline } from '../../services/shared/grpc/deadline.js';
import { type Logger, silentLogger } from '../../services/shared/log.js';
import { Bus } from '../../services/shared/nats/bus.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';
import { type CallsVia, POOL, SimRunner } from './sim-runner.js';

export { POOL, SimRunner };

export const SECRET = 'coordinator-test-secret';
export const KEY = 'c'.repeat(64);
const POSTGRES_URL =
  process.env.HANGAR_TEST_POSTGRES_URL ?? 'postgres://hangar:hangar@127.0.0.1:5432/postgres';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await sleep(everyMs);
  }
}

export interface ClusterOptions {
  engine?: 'sqlite' | 'postgres';
  /** HANGAR_LEASE_TIMEOUT */
  lease?: string;
  logLimit?: string;
  redispatchAfter?: string;
  env?: Record<string, string>;
  log?: Logger;
}

export class Cluster {
  coordinator!: CoordinatorHandle;
  client!: BuildClient;
  private readonly closers: (() => Promise<void> | void)[] = [];

  private constructor(
    readonly nats: NatsServer,
    private readonly database: Record<string, string>,
    readonly grpcAddress: string,
    private readonly opts: ClusterOptions,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /** The SQLite file, when the coordinator uses SQLite. */
  get sqlitePath(): string | undefined {
    return this.database.HANGAR_DATABASE_PATH;
  }

  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const nats = await startNatsServer();
    let database: Record<string, string>;
    let cleanup: () => Promise<void>;
    if (opts.engine === 'postgres') {
      const name = `hangar_coord_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = await openPostgres({ url: POSTGRES_URL, maxConnections: 1 });
      await admin.run(`CREATE DATABASE ${name}`).finally(() => admin.close());
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${name}`;
      database = { DATABASE_URL: url.toString() };
      cleanup = async () => {
        const a = await openPostgres({ url: POSTGRES_URL, maxConnections: 1 });
        await a.run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.close());
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'hangar-coord-'));
      database = { HANGAR_DATABASE_PATH: join(dir, 'hangar.db') };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    const c = new Cluster(nats, database, `127.0.0.1:${await freePort()}`, opts, cleanup);
    await c.startCoordinator();
    return c;
  }

  async startCoordinator(): Promise<void> {
    const cfg = loadCoordinatorConfig({
      ...this.database,
      DRONE_SECRET: SECRET,
      HANGAR_SECRET_KEY: KEY,
      HANGAR_GRPC_ADDR: this.grpcAddress,
      HANGAR_METRICS_ADDR: '127.0.0.1:0',
      HANGAR_NATS_URL: this.nats.url,
      HANGAR_LEASE_TIMEOUT: this.opts.lease ?? '10s',
      ...(this.opts.logLimit ? { HANGAR_LOG_LIMIT: this.opts.logLimit } : {}),
      HANGAR_REDISPATCH_AFTER: this.opts.redispatchAfter ?? '30s',
      ...this.opts.env,
    });
    this.coordinator = await startCoordinator(cfg, this.opts.log ?? silentLogger);
    this.client?.close();
    this.client = new BuildServiceClient(this.grpcAddress, credentials.createInsecure());
  }

  get store() {
    return this.coordinator.store;
  }

  async repo(settings: RepoSettings = {}): Promise<Repo> {
    const id = Math.floor(Math.random() * 1e9);
    return this.store.repos.create({
      projectId: id,
      slug: `group/app-${id}`,
      cloneUrl: `https://gitlab.example.com/group/app-${id}.git`,
      ...settings,
    });
  }

  md(secret = SECRET): Metadata {
    return authMetadata(secret);
  }

  createBuild(repo: Repo, config: string, req: Partial<CreateBuildRequest> = {}): Promise<Build__Output> {
    return unary<Build__Output>((o, cb) =>
      this.client.createBuild(
        {
          repo: { slug: repo.slug },
          event: 'push',
          ref: 'refs/heads/main',
          branch: 'main',
          sha: randomBytes(20).toString('hex'),
          message: 'test',
          author: 'tester',
          config,
          ...req,
        },
        this.md(),
        o,
        cb,
      ),
    );
  }

  getBuild(repo: Repo, number: number): Promise<Build__Output> {
    return unary<Build__Output>((o, cb) =>
      this.client.getBuild({ repo: { slug: repo.slug }, number }, this.md(), o, cb),
    );
  }

  cancelBuild(repo: Repo, number: number): Promise<Build__Output> {
    return unary<Build__Output>((o, cb) =>
      this.client.cancelBuild({ repo: { slug: repo.slug }, number }, this.md(), o, cb),
    );
  }

  waitStatus(
    repo: Repo,
    number: number,
    want: Status | Status[],
    timeoutMs = 20_000,
  ): Promise<Build__Output> {
    const wanted = Array.isArray(want) ? want : [want];
    return waitFor(
      `build ${number} to be ${wanted.join(' or ')}`,
      async () => {
        const b = await this.getBuild(repo, number);
        return wanted.includes(b.status) ? b : undefined;
      },
      timeoutMs,
    );
  }

  /** Collects a TailLog stream until it ends. */
  tail(req: TailLogRequest, timeoutMs = 20_000): { chunks: LogChunk__Output[]; done: Promise<void> } {
    const chunks: LogChunk__Output[] = [];
    const call = this.client.tailLog(req, this.md(), withDeadline(timeoutMs));
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (c: LogChunk__Output) => chunks.push(c));
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    return { chunks, done };
  }

  /** Follows the events stream with its own durable consumer from the start. */
  async events(): Promise<{ seen: CoordinatorEvent[]; close: () => Promise<void> }> {
    const bus = await Bus.connect({ url: this.nats.url, name: 'test-events', log: silentLogger });
    const abort = new AbortController();
    const seen: CoordinatorEvent[] = [];
    void (async () => {
      for await (const d of bus.events<CoordinatorEvent>(`test-${randomBytes(4).toString('hex')}`, {
        signal: abort.signal,
      })) {
        seen.push(d.event);
        d.ack();
      }
    })().catch(() => {});
    const close = async () => {
      abort.abort();
      await bus.close();
    };
    this.closers.push(close);
    return { seen, close };
  }

  async runner(
    name: string,
    secret = SECRET,
    labels: Record<string, string> = {},
    via: CallsVia = 'stream',
  ): Promise<SimRunner> {
    const r = await SimRunner.start(this, name, secret, labels, via);
    this.closers.push(() => r.close());
    return r;
  }

  async dispose(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
    this.client?.close();
    await this.coordinator?.stop().catch(() => {});
    await this.nats.dispose();
    await this.cleanup();
  }
}

export function pipeline(name: string, steps: string[], extra = ''): string {
  return `kind: pipeline
type: docker
name: ${name}
${extra}
steps:
${steps.map((s) => `- name: ${s}\n  image: hangar/busybox:latest\n  commands: [echo ${s}]`).join('\n')}
`;
}
