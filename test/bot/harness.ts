/**
 * A real Hangar for the bot's tests: nats-server, a coordinator on SQLite in
 * a temp directory, optionally a runner daemon on Docker, the GitLab double
 * with a project whose hook points at the bot, and the bot itself (startBot),
 * restartable on the same database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCoordinatorConfig } from '../../services/coordinator/config.js';
import { type CoordinatorHandle, startCoordinator } from '../../services/coordinator/coordinator.js';
import type { Repo } from '../../services/coordinator/store/index.js';
import {
  type BuildCalls,
  type BuildMessage,
  createBuildCalls,
} from '../../services/gitlab-bot/api/build-service.js';
import { type BotHandle, type BotTuning, startBot } from '../../services/gitlab-bot/bot.js';
import { loadBotConfig } from '../../services/gitlab-bot/config.js';
import { createGitLabApi, type GitLabApi } from '../../services/gitlab-bot/gitlab/index.js';
import { readRunnerDaemonConfig } from '../../services/runner/config.js';
import { type RunnerDaemon, startRunnerDaemon } from '../../services/runner/daemon/daemon.js';
import { silentLogger } from '../../services/shared/log.js';
import {
  type Delivery,
  type DeliveryIds,
  deliver,
  GitLabDouble,
  type MergeRequest,
  mergeRequestPayload,
  type Project,
  pushPayload,
  Role,
  type User,
  type WebhookEvent,
} from '../gitlab-double/index.js';
import { freePort, type NatsServer, startNatsServer } from '../support/nats-server.js';

export const SECRET = 'bot-test-secret';
export const PUBLIC_URL = 'http://ci.test';
const FINISHED = ['SUCCESS', 'FAILURE', 'KILLED', 'ERROR', 'SKIPPED'];

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
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
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A 1.x pipeline without a clone step, running on the local busybox image. */
export function pipeline(name: string, steps: { name: string; commands: string[] }[]): string {
  const body = steps
    .map(
      (s) =>
        `  - name: ${s.name}\n    image: hangar/busybox:latest\n    pull: if-not-exists\n    commands:\n${s.commands.map((c) => `      - ${JSON.stringify(c)}`).join('\n')}`,
    )
    .join('\n');
  return `kind: pipeline\nname: ${name}\nclone:\n  disable: true\nsteps:\n${body}\n`;
}

export interface BotClusterOptions {
  runner?: boolean;
  /** Address the GitLab double (API and git) listens on; default 127.0.0.1. */
  gitlabHost?: string;
  env?: Record<string, string>;
  tuning?: BotTuning;
  files?: Record<string, string>;
}

export class BotCluster {
  coordinator!: CoordinatorHandle;
  bot!: BotHandle;
  runner: RunnerDaemon | undefined;
  builds!: BuildCalls;
  repo!: Repo;
  botUser!: User;
  developer!: User;
  token!: string;
  hookToken = randomBytes(16).toString('hex');
  api!: GitLabApi;

  private constructor(
    readonly nats: NatsServer,
    readonly gitlab: GitLabDouble,
    readonly project: Project,
    readonly dir: string,
    readonly grpcAddress: string,
    readonly botPort: number,
    private readonly opts: BotClusterOptions,
  ) {}

  static async start(opts: BotClusterOptions = {}): Promise<BotCluster> {
    const nats = await startNatsServer();
    const gitlab = await GitLabDouble.start(opts.gitlabHost === undefined ? {} : { host: opts.gitlabHost });
    const project = await gitlab.createProject({
      path: 'acme/app',
      files: opts.files ?? { '.drone.yml': pipeline('default', [{ name: 'test', commands: ['echo ok'] }]) },
    });
    const dir = mkdtempSync(join(tmpdir(), 'hangar-bot-'));
    const c = new BotCluster(
      nats,
      gitlab,
      project,
      dir,
      `127.0.0.1:${await freePort()}`,
      await freePort(),
      opts,
    );
    c.botUser = gitlab.addUser({ username: 'hangar-bot', name: 'Hangar', bot: true });
    c.developer = gitlab.addUser({ username: 'dev', name: 'Dev Eloper' });
    gitlab.addMember(project, c.botUser, Role.maintainer);
    gitlab.addMember(project, c.developer, Role.developer);
    c.token = gitlab.issueToken(c.botUser);
    c.api = createGitLabApi({ url: gitlab.url, token: c.token });
    await c.startCoordinator();
    c.builds = createBuildCalls({ address: c.grpcAddress, secret: SECRET });
    c.repo = await c.coordinator.store.repos.create({
      projectId: project.id,
      slug: project.pathWithNamespace,
      cloneUrl: `${gitlab.url}/${project.pathWithNamespace}.git`,
      webUrl: `${gitlab.url}/${project.pathWithNamespace}`,
      active: true,
    });
    const hook = await c.api.createProjectHook(project.id, {
      url: `http://127.0.0.1:${c.botPort}/hook`,
      token: c.hookToken,
      pushEvents: true,
      tagPushEvents: true,
      mergeRequestsEvents: true,
      noteEvents: true,
      enableSslVerification: false,
    });
    c.repo = await c.coordinator.store.repos.setHook(c.repo.id, { hookId: hook.id, token: c.hookToken });
    await c.startBot();
    if (opts.runner) {
      c.runner = await startRunnerDaemon(
        readRunnerDaemonConfig({
          DRONE_SERVER: c.grpcAddress,
          DRONE_SECRET: SECRET,
          HANGAR_NATS_URL: nats.url,
          HANGAR_RUNNER_NAME: `bot-test-${randomBytes(3).toString('hex')}`,
          HANGAR_RUNNER_CAPACITY: '2',
          HANGAR_RUNNER_GRACE: '5s',
        }),
        silentLogger,
      );
    }
    return c;
  }

  async startCoordinator(): Promise<void> {
    const cfg = loadCoordinatorConfig({
      HANGAR_DATABASE_PATH: join(this.dir, 'hangar.db'),
      DRONE_SECRET: SECRET,
      HANGAR_SECRET_KEY: 'c'.repeat(64),
      HANGAR_GRPC_ADDR: this.grpcAddress,
      HANGAR_METRICS_ADDR: '127.0.0.1:0',
      HANGAR_NATS_URL: this.nats.url,
      HANGAR_LEASE_TIMEOUT: '5s',
    });
    this.coordinator = await startCoordinator(cfg, silentLogger);
  }

  botEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DRONE_GITLAB_URL: this.gitlab.url,
      HANGAR_GITLAB_TOKEN: this.token,
      DRONE_SERVER: this.grpcAddress,
      DRONE_SECRET: SECRET,
      HANGAR_NATS_URL: this.nats.url,
      HANGAR_HTTP_ADDR: `127.0.0.1:${this.botPort}`,
      HANGAR_PUBLIC_URL: PUBLIC_URL,
      HANGAR_SUMMARY_INTERVAL: '300ms',
      HANGAR_GITLAB_TIMEOUT: '3s',
      ...this.opts.env,
      ...extra,
    };
  }

  /** Starts the bot; `env` adds to (or overrides) the cluster's settings for this start. */
  async startBot(env: Record<string, string> = {}): Promise<void> {
    this.bot = await startBot(
      loadBotConfig(this.botEnv(env)),
      { store: this.coordinator.store },
      silentLogger,
      {
        outboxBaseDelayMs: 100,
        outboxMaxDelayMs: 500,
        work: { baseDelayMs: 100, maxDelayMs: 500 },
        ...this.opts.tuning,
      },
    );
  }

  get hookUrl(): string {
    return `http://127.0.0.1:${this.botPort}/hook`;
  }

  /** Commits files on a branch and delivers the Push Hook GitLab would send. */
  async push(
    files: Record<string, string | null>,
    opts: { branch?: string; message?: string; ids?: DeliveryIds } = {},
  ): Promise<{ sha: string; deliveries: Delivery[]; payload: unknown }> {
    const branch = opts.branch ?? 'main';
    const before = await this.gitlab.resolve(this.project, branch);
    const c = await this.gitlab.commit(this.project, {
      branch,
      files,
      message: opts.message ?? 'Change files',
    });
    const payload = await pushPayload(this.gitlab, this.project, {
      ref: branch,
      before,
      after: c.sha,
      user: this.developer,
    });
    const deliveries = await this.deliver('Push Hook', payload, opts.ids);
    return { sha: c.sha, deliveries, payload };
  }

  deliver(event: WebhookEvent, payload: unknown, ids?: DeliveryIds): Promise<Delivery[]> {
    return deliver(this.gitlab, this.project, event, payload, ids);
  }

  async openMergeRequest(
    branch: string,
    files: Record<string, string>,
  ): Promise<{ mr: MergeRequest; sha: string }> {
    await this.gitlab.createBranch(this.project, branch, 'main');
    const c = await this.gitlab.commit(this.project, { branch, files, message: `Work on ${branch}` });
    const mr = await this.gitlab.createMergeRequest({
      project: this.project,
      sourceBranch: branch,
      author: this.developer,
    });
    await this.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(this.gitlab, mr, { action: 'open', user: this.developer }),
    );
    return { mr, sha: c.sha };
  }

  async listBuilds(): Promise<BuildMessage[]> {
    return this.builds.listBuilds({ repo: { projectId: this.project.id }, limit: 100 });
  }

  getBuild(number: number): Promise<BuildMessage> {
    return this.builds.getBuild({ repo: { projectId: this.project.id }, number });
  }

  waitFinished(number: number, timeoutMs = 60_000): Promise<BuildMessage> {
    return waitFor(
      `build ${number} to finish`,
      async () => {
        const b = await this.getBuild(number);
        return FINISHED.includes(b.status) ? b : undefined;
      },
      timeoutMs,
      200,
    );
  }

  /** States GitLab accepted for a status on a commit, in the order they were posted. */
  statesOf(sha: string, name: string): string[] {
    return this.gitlab
      .requestsTo('statuses.create')
      .filter(
        (r) =>
          r.status === 201 &&
          r.path.includes(sha) &&
          (r.body as { name?: string; context?: string }).name === name,
      )
      .map((r) => String((r.body as { state?: string }).state));
  }

  /** The latest status of each name on a commit, as GitLab shows it. */
  latest(sha: string, name: string) {
    return this.gitlab
      .statusesOf(this.project, sha)
      .filter((s) => s.name === name)
      .at(-1);
  }

  async dispose(): Promise<void> {
    await this.runner?.stop().catch(() => {});
    await this.bot?.stop().catch(() => {});
    await this.coordinator?.stop().catch(() => {});
    this.builds?.close();
    this.api?.close();
    await this.gitlab.close();
    await this.nats.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
