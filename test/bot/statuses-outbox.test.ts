/**
 * Commit statuses through the durable outbox to the GitLab double (over the
 * real adapter): kept in order per status while GitLab answers 500, picked up
 * by a new process after a restart, final states never lost, repeated states
 * not posted, Retry-After honoured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../services/coordinator/store/index.js';
import { createGitLabApi, type GitLabApi } from '../../services/gitlab-bot/gitlab/index.js';
import { OutboxWorker } from '../../services/gitlab-bot/statuses/outbox-worker.js';
import { StatusPublisher } from '../../services/gitlab-bot/statuses/publisher.js';
import { silentLogger } from '../../services/shared/log.js';
import { GitLabDouble, type Project, Role } from '../gitlab-double/index.js';
import { useDatabase } from '../store/engines.js';
import { build, job, step } from './build-messages.js';

const db = useDatabase('sqlite');
let gitlab: GitLabDouble;
let api: GitLabApi;
let project: Project;
let sha: string;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  const bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  project = await gitlab.createProject({ path: 'acme/app', files: { '.drone.yml': 'kind: pipeline\n' } });
  gitlab.addMember(project, bot, Role.developer);
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot), timeoutMs: 5000 });
  sha = await gitlab.resolve(project, 'main');
});

afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

function parts(store: Store, opts: { baseDelayMs?: number } = {}) {
  const worker = new OutboxWorker({
    outbox: store.outbox,
    gitlab: api,
    log: silentLogger,
    baseDelayMs: opts.baseDelayMs ?? 100,
    maxDelayMs: 400,
    idleMs: 200,
  });
  const publisher = new StatusPublisher({
    store,
    worker,
    log: silentLogger,
    prefix: 'hangar',
    publicUrl: 'https://ci.example.com',
  });
  return { worker, publisher };
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** States GitLab accepted for a status name on the commit, in order. */
function accepted(name: string, since: number): string[] {
  return gitlab
    .requestsTo('statuses.create')
    .slice(since)
    .filter((r) => r.status === 201 && (r.body as { name?: string }).name === name)
    .map((r) => String((r.body as { state?: string }).state));
}

/** The build at each stage of its life, as GetBuild shows it. */
function stages(number: number) {
  const base = { number, sha, repoSlug: 'acme/app' };
  return [
    build({
      ...base,
      status: 'PENDING',
      jobs: [job('test', { status: 'QUEUED' }), job('lint', { number: 2, status: 'QUEUED' })],
    }),
    build({
      ...base,
      status: 'RUNNING',
      jobs: [
        job('test', { status: 'RUNNING', steps: [step('unit', { status: 'RUNNING' })] }),
        job('lint', { number: 2, status: 'RUNNING' }),
      ],
    }),
    build({
      ...base,
      status: 'FAILURE',
      jobs: [
        job('test', { status: 'FAILURE', steps: [step('unit', { status: 'FAILURE', exitCode: 2 })] }),
        job('lint', { number: 2, status: 'SUCCESS' }),
      ],
    }),
  ];
}

describe('the commit-status outbox', () => {
  it('delivers pending → running → final in order, and skips a state the status already has', async () => {
    const store = await db.open();
    const repo = await store.repos.create({
      projectId: project.id,
      slug: 'acme/app',
      cloneUrl: `${gitlab.url}/acme/app.git`,
    });
    const { worker, publisher } = parts(store);
    worker.start();
    const since = gitlab.requests.length;
    const [pending, running, failed] = stages(1);
    for (const b of [pending, running, running, failed]) if (b) await publisher.publishBuild(b, repo);
    await until('the outbox to empty', async () => (await store.outbox.size()) === 0);
    await worker.stop();
    expect(accepted('hangar/test', since)).toEqual(['pending', 'running', 'failed']);
    expect(accepted('hangar/lint', since)).toEqual(['pending', 'running', 'success']);
    const last = gitlab
      .statusesOf(project, sha)
      .filter((s) => s.name === 'hangar/test')
      .at(-1);
    expect(last).toMatchObject({
      status: 'failed',
      ref: 'main',
      description: 'step unit failed (exit 2)',
      targetUrl: 'https://ci.example.com/acme/app/1',
    });
    // Nothing was refused: no running → running was sent.
    expect(
      gitlab
        .requestsTo('statuses.create')
        .slice(since)
        .every((r) => r.status === 201),
    ).toBe(true);
  });

  it('keeps every status while GitLab answers 500, across a restart, and posts them in order once it is back', async () => {
    const store = await db.open();
    const repo =
      (await store.repos.byProjectId(project.id)) ??
      (await store.repos.create({ projectId: project.id, slug: 'acme/app', cloneUrl: 'x' }));
    const first = parts(store);
    first.worker.start();
    const since = gitlab.requests.length;
    gitlab.injectFault({ route: 'statuses.create', status: 500, forMs: 3000 });
    const [pending, running, failed] = stages(2);
    if (!pending || !running || !failed) throw new Error('stages');
    await publisher(first.publisher, repo, pending);
    await until('a refused post', () =>
      gitlab
        .requestsTo('statuses.create')
        .slice(since)
        .some((r) => r.status === 500),
    );
    await publisher(first.publisher, repo, running);
    // The process stops in the middle of the outage; what it had queued is in the database.
    await first.worker.stop();
    expect(await store.outbox.size()).toBeGreaterThan(0);

    const again = await db.open();
    const second = parts(again);
    second.worker.start();
    await publisher(second.publisher, repo, failed);
    await until('the outbox to empty', async () => (await again.outbox.size()) === 0);
    await second.worker.stop();

    const refused = gitlab
      .requestsTo('statuses.create')
      .slice(since)
      .filter((r) => r.status === 500);
    expect(refused.length).toBeGreaterThan(1);
    for (const name of ['hangar/test', 'hangar/lint']) {
      const states = accepted(name, since);
      // In order, ending with the final state; intermediate states may be superseded while GitLab is down.
      expect(states[0]).toBe('pending');
      expect(states.at(-1)).toBe(name === 'hangar/test' ? 'failed' : 'success');
      const order = ['pending', 'running', 'failed', 'success'];
      expect([...states].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(states);
    }
    const final = gitlab
      .statusesOf(project, sha)
      .filter((s) => s.name === 'hangar/test')
      .at(-1);
    expect(final?.status).toBe('failed');
  });

  it('waits as long as GitLab asks with Retry-After on 429', async () => {
    const store = await db.open();
    const repo = (await store.repos.byProjectId(project.id)) as NonNullable<
      Awaited<ReturnType<Store['repos']['get']>>
    >;
    const { worker, publisher: pub } = parts(store, { baseDelayMs: 50 });
    worker.start();
    const since = gitlab.requests.length;
    gitlab.injectFault({ route: 'statuses.create', status: 429, retryAfter: 1, times: 1 });
    const [pending] = stages(3);
    if (!pending) throw new Error('stages');
    const started = Date.now();
    await publisher(pub, repo, build({ ...pending, jobs: pending.jobs.slice(0, 1) }));
    await until('the outbox to empty', async () => (await store.outbox.size()) === 0);
    await worker.stop();
    const posts = gitlab.requestsTo('statuses.create').slice(since);
    expect(posts.map((r) => r.status)).toEqual([429, 201]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

async function publisher(
  p: StatusPublisher,
  repo: Parameters<StatusPublisher['publishBuild']>[1],
  b: ReturnType<typeof build>,
) {
  await p.publishBuild(b, repo);
}
