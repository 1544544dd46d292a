/**
 * A running Hangar for the tests of comment commands, the REST API and the
 * client commands: a nats-server, the real coordinator on SQLite in a temp
 * directory, the real bot (webhooks, API, commands) on a free port, the GitLab
 * double with a project the bot is Maintainer of, and, when asked, a runner
 * daemon on the local Docker engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCoordinatorConfig } from '../../services/coordinator/config.js';
import { type CoordinatorHandle, startCoordinator } from '../../services/coordinator/coordinator.js';
import type { Build } from '../../services/coordinator/store/index.js';
import { type BotHandle, startBot } from '../../services/gitlab-bot/bot.js';
import { loadBotConfig } from '../../services/gitlab-bot/config.js';
import { readRunnerDaemonConfig } from '../../services/runner/config.js';
import { type RunnerDaemon, startRunnerDaemon } from '../../services/runner/daemon/daemon.js';
import { silentLogger } from '../../services/shared/log.js';
import {
  GitLabDouble,
  type MergeRequest,
  type Note,
  type Project,
  Role,
  type User,
} from '../gitlab-double/index.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';

export const SECRET = 'bot-api-test-secret';
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const IMAGE = 'hangar/busybox:latest';

/** A 1.x pipeline document that does not clone, each step one shell command list. */
export function pipelineDoc(name: string, steps: Record<string, string[]>): string {
  const body = Object.entries(steps)
    .map(
      ([step, commands]) =>
        `  - name: ${step}\n    image: ${IMAGE}\n    pull: if-not-exists\n    commands:\n${commands.map((c) => `      - ${JSON.stringify(c)}`).join('\n')}`,
    )
    .join('\n');
  return `kind: pipeline\nname: ${name}\nclone:\n  disable: true\nsteps:\n${body}\n`;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
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
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export class BotWorld {
  coordinator!: CoordinatorHandle;
  bot!: BotHandle;
  gitlab!: GitLabDouble;
  runner: RunnerDaemon | undefined;
  botUser!: User;
  project!: Project;
  /** Maintainer of the project: the GitLab user people act as. */
  maintainer!: User;
  developer!: User;
  reporter!: User;

  private constructor(
    readonly nats: NatsServer,
    readonly dir: string,
    /** http://127.0.0.1:PORT — the bot's address and its public URL. */
    readonly url: string,
  ) {}

  static async start(opts: { runner?: boolean; files?: Record<string, string> } = {}): Promise<BotWorld> {
    const nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'hangar-bot-api-'));
    const httpPort = await freePort();
    const w = new BotWorld(nats, dir, `http://127.0.0.1:${httpPort}`);
    try {
      await w.init(httpPort, opts);
    } catch (err) {
      await w.dispose();
      throw err;
    }
    return w;
  }

  private async init(httpPort: number, opts: { runner?: boolean; files?: Record<string, string> }) {
    const grpcAddress = `127.0.0.1:${await freePort()}`;
    this.coordinator = await startCoordinator(
      loadCoordinatorConfig({
        HANGAR_DATABASE_PATH: join(this.dir, 'hangar.db'),
        DRONE_SECRET: SECRET,
        HANGAR_SECRET_KEY: 'c'.repeat(64),
        HANGAR_GRPC_ADDR: grpcAddress,
        HANGAR_METRICS_ADDR: '127.0.0.1:0',
        HANGAR_NATS_URL: this.nats.url,
      }),
      silentLogger,
    );
    this.gitlab = await GitLabDouble.start();
    this.botUser = this.gitlab.addUser({ username: 'hangar-bot', name: 'Hangar', bot: true });
    this.maintainer = this.gitlab.addUser({ username: 'mona', name: 'Mona Maintainer' });
    this.developer = this.gitlab.addUser({ username: 'dev', name: 'Dee Developer' });
    this.reporter = this.gitlab.addUser({ username: 'rep', name: 'Ray Reporter' });
    this.project = await this.gitlab.createProject({
      path: 'acme/app',
      files: opts.files ?? { '.drone.yml': pipelineDoc('default', { hello: ['echo hello'] }) },
      author: this.maintainer,
    });
    this.gitlab.addMember(this.project, this.botUser, Role.maintainer);
    this.gitlab.addMember(this.project, this.maintainer, Role.maintainer);
    this.gitlab.addMember(this.project, this.developer, Role.developer);
    this.gitlab.addMember(this.project, this.reporter, Role.reporter);

    const cfg = loadBotConfig({
      DRONE_GITLAB_URL: this.gitlab.url,
      HANGAR_GITLAB_TOKEN: this.gitlab.issueToken(this.botUser),
      DRONE_SECRET: SECRET,
      DRONE_SERVER: grpcAddress,
      HANGAR_PUBLIC_URL: this.url,
      HANGAR_HTTP_ADDR: `127.0.0.1:${httpPort}`,
      HANGAR_ADMIN_TOKEN: ADMIN_TOKEN,
      HANGAR_NATS_URL: this.nats.url,
      HANGAR_SUMMARY_INTERVAL: '200ms',
    });
    this.bot = await startBot(cfg, { store: this.coordinator.store }, silentLogger, {
      outboxBaseDelayMs: 100,
      outboxMaxDelayMs: 500,
      work: { baseDelayMs: 100, maxDelayMs: 500 },
    });
    if (opts.runner) {
      this.runner = await startRunnerDaemon(
        readRunnerDaemonConfig({
          DRONE_SERVER: grpcAddress,
          DRONE_SECRET: SECRET,
          HANGAR_NATS_URL: this.nats.url,
          HANGAR_RUNNER_NAME: `bot-test-${httpPort}`,
          HANGAR_RUNNER_CAPACITY: '2',
          HANGAR_RUNNER_GRACE: '5s',
          HANGAR_STOP_GRACE: '1s',
        }),
        silentLogger,
      );
    }
  }

  get store() {
    return this.coordinator.store;
  }

  /** A request to the REST API; `token: null` sends no Authorization header. */
  async api(
    method: string,
    path: string,
    body?: unknown,
    token: string | null = ADMIN_TOKEN,
  ): Promise<ApiAnswer> {
    const res = await fetch(`${this.url}/api${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  /** Switches the project on through the API (creates its webhook in the double). */
  async enable(): Promise<void> {
    const r = await this.api('POST', '/repos/acme%2Fapp');
    if (r.status !== 200 && r.status !== 201) throw new Error(`enable answered ${r.status}: ${r.text}`);
  }

  async builds(): Promise<Build[]> {
    const repo = await this.store.repos.byProjectId(this.project.id);
    return repo ? this.store.builds.list({ repoId: repo.id, limit: 100 }) : [];
  }

  /** Waits for the build numbered `n` to end; returns it. */
  async finished(n: number, timeoutMs = 60_000): Promise<Build> {
    const repo = await this.store.repos.byProjectId(this.project.id);
    if (!repo) throw new Error('repository not registered');
    return waitFor(
      `build ${n} to finish`,
      async () => {
        const b = await this.store.builds.byNumber(repo.id, n);
        return b && ['success', 'failure', 'killed', 'error', 'skipped'].includes(b.status) ? b : undefined;
      },
      timeoutMs,
    );
  }

  /** The replies the bot wrote on a merge request after `since` notes existed (its summary note aside). */
  botNotes(mr: MergeRequest, since = 0): Note[] {
    return mr.notes
      .slice(since)
      .filter((n) => n.authorId === this.botUser.id && !n.body.includes('<!-- hangar:summary -->'));
  }

  /** Award emoji names on a note. */
  awards(note: Note): string[] {
    return note.awards.map((a) => a.name);
  }

  async dispose(): Promise<void> {
    await this.runner?.stop().catch(() => {});
    await this.bot?.stop().catch(() => {});
    await this.coordinator?.stop().catch(() => {});
    await this.gitlab?.close().catch(() => {});
    await this.nats.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
