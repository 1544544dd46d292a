/**
 * Who may call, and what a runner is told: a wrong or missing secret is
 * refused with UNAUTHENTICATED (and logged without the secret); a runner's
 * own token opens RunnerService for that runner only and never BuildService;
 * Accept hands over only the secrets, registry credentials and clone
 * credentials the job may use.
 */
import { Writable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Build__Output } from '../../proto/generated/hangar/v1/Build.js';
import type { Repo } from '../../services/coordinator/store/index.js';
import { openSqlite } from '../../services/coordinator/store/sqlite.js';
import { authMetadata } from '../../services/shared/grpc/auth.js';
import { unary } from '../../services/shared/grpc/call.js';
import { createLogger } from '../../services/shared/log.js';
import { Cluster, type SimRunner } from './harness.js';

const WRONG = 'not-the-secret-at-all';
const logged: string[] = [];
const log = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged.push(chunk.toString());
      cb();
    },
  }),
});

let cluster: Cluster;
beforeAll(async () => {
  cluster = await Cluster.start({
    log,
    env: { HANGAR_NETRC_USERNAME: 'machine-user', HANGAR_NETRC_PASSWORD: 'machine-password' },
  });
});
afterAll(async () => {
  await cluster?.dispose();
});

describe('authentication', () => {
  it('refuses a wrong or missing secret with UNAUTHENTICATED, and logs it without the secret', async () => {
    const bad = await cluster.runner('bad-secret', WRONG);
    const err = await bad.register().catch((e: { code: number; details: string }) => e);
    expect(err).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((err as { details: string }).details).toMatch(
      /the secret is wrong; set DRONE_SECRET on the runner/,
    );

    const none = await unary((o, cb) => bad.client.register({ name: 'x' }, o, cb)).catch((e) => e);
    expect(none).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((none as { details: string }).details).toMatch(/carries no credentials/);

    const repo = await cluster.repo();
    const build = await unary((o, cb) =>
      cluster.client.getBuild({ repo: { slug: repo.slug }, number: 1 }, authMetadata(WRONG), o, cb),
    ).catch((e) => e);
    expect(build).toMatchObject({ code: status.UNAUTHENTICATED });

    const text = logged.join('');
    expect(text).toContain('refused a call');
    expect(text).not.toContain(WRONG);
  });

  it('lets a runner use its own token, for itself only, and never for the build service', async () => {
    const plain = await cluster.runner('token-runner');
    await plain.register();
    const token = await cluster.store.runners.issueToken(plain.id);
    const withToken = await cluster.runner('token-runner', token);
    await withToken.register();
    expect(withToken.id).toBe(plain.id);

    const other = await cluster.runner('someone-else');
    await other.register();
    const spoof = await unary((o, cb) =>
      withToken.client.accept({ jobId: 1, runnerId: other.id }, withToken.md(), o, cb),
    ).catch((e) => e);
    expect(spoof).toMatchObject({ code: status.PERMISSION_DENIED });

    const repo = await cluster.repo();
    const refused = await unary((o, cb) =>
      cluster.client.listBuilds({ repo: { slug: repo.slug } }, authMetadata(token), o, cb),
    ).catch((e) => e);
    expect(refused).toMatchObject({ code: status.UNAUTHENTICATED });
    expect((refused as { details: string }).details).toMatch(
      /runner's own token does not open the build service/,
    );
  });
});

const SECRETS_FILE = `kind: pipeline
name: default
steps:
- name: deploy
  image: hangar/busybox:latest
  environment:
    KEY: {from_secret: deploy_key}
    TOKEN: {from_secret: pr_token}
    PASSWORD: {from_secret: docker_password}
  commands: [echo deploy]
- name: publish
  image: registry.example.com:5000/tools/publisher:1.2
  commands: [echo publish]
`;

describe('what a runner is given with a job', () => {
  let runner: SimRunner;
  let repo: Repo;
  beforeAll(async () => {
    runner = await cluster.runner('credentials-sim');
    await runner.register();
    repo = await cluster.repo();
    await cluster.store.secrets.set(repo.id, { name: 'deploy_key', value: 'k-123', events: ['push'] });
    await cluster.store.secrets.set(repo.id, {
      name: 'pr_token',
      value: 't-456',
      events: ['push', 'pull_request'],
    });
    await cluster.store.secrets.set(repo.id, {
      name: 'docker_password',
      value: 'p-789',
      events: ['push'],
      images: ['plugins/docker'],
    });
    await cluster.store.secrets.set(repo.id, { name: 'unused', value: 'u-000', events: ['push'] });
    await cluster.store.registries.set(repo.id, {
      address: 'registry.example.com:5000',
      username: 'ci',
      password: 'r-pw',
    });
    await cluster.store.registries.set(repo.id, { address: 'ghcr.io', username: 'gh', password: 'g-pw' });
  });

  const run = async (b: Build__Output) => {
    const job = await runner.acceptNext(15_000, Number(b.jobs[0]?.id));
    await runner.runAll(job);
    return job;
  };
  const PR = {
    event: 'pull_request',
    ref: 'refs/merge-requests/7/head',
    branch: 'main',
    sourceBranch: 'feature',
    targetBranch: 'main',
    mergeRequestIid: 7,
  };

  it('gives a push build the secrets its steps use and its events allow, matching images only', async () => {
    const job = await run(await cluster.createBuild(repo, SECRETS_FILE));
    expect(job.secrets.map((s) => [s.name, s.value]).sort()).toEqual([
      ['deploy_key', 'k-123'],
      ['pr_token', 't-456'],
    ]);
    expect(job.registries).toEqual([
      { address: 'registry.example.com:5000', username: 'ci', password: 'r-pw' },
    ]);
    expect(job.planJson).not.toContain('k-123');
    expect(job.netrc).toEqual({
      machine: 'gitlab.example.com',
      login: 'machine-user',
      password: 'machine-password',
    });
  });

  it('gives merge requests only pull_request secrets, and forks none unless the repository allows', async () => {
    const pr = await run(await cluster.createBuild(repo, SECRETS_FILE, PR));
    expect(pr.secrets.map((s) => s.name)).toEqual(['pr_token']);
    const fork = await run(await cluster.createBuild(repo, SECRETS_FILE, { ...PR, fork: true }));
    expect(fork.secrets).toEqual([]);
    expect(fork.registries).toHaveLength(1);
    await cluster.store.repos.update(repo.id, { allowForkSecrets: true });
    const allowed = await run(await cluster.createBuild(repo, SECRETS_FILE, { ...PR, fork: true }));
    expect(allowed.secrets.map((s) => s.name)).toEqual(['pr_token']);
  });

  it('reads the whole plan of a job whose stored head does not say whether its steps take secrets', async () => {
    const b = await cluster.createBuild(repo, SECRETS_FILE);
    const jobId = Number(b.jobs[0]?.id);
    // A job row as stored before the head kept stepSecrets.
    const raw = openSqlite({ path: cluster.sqlitePath ?? '' });
    try {
      const row = await raw.get<{ plan: string }>('SELECT plan FROM jobs WHERE id = ?', [jobId]);
      const head = JSON.parse(row?.plan ?? '{}') as Record<string, unknown>;
      expect(head.stepSecrets).toBe(true);
      delete head.stepSecrets;
      await raw.run('UPDATE jobs SET plan = ? WHERE id = ?', [JSON.stringify(head), jobId]);
    } finally {
      await raw.close();
    }
    const job = await run(b);
    expect(job.secrets.map((s) => s.name).sort()).toEqual(['deploy_key', 'pr_token']);
  });

  it('asks for no secrets for a job whose steps take none, and still gives registry credentials', async () => {
    const file = SECRETS_FILE.replace(/ {2}environment:\n(?: {4}\w+: \{from_secret: \w+\}\n)+/, '');
    expect(file).not.toContain('from_secret');
    const job = await run(await cluster.createBuild(repo, file));
    expect(job.secrets).toEqual([]);
    expect(job.registries).toEqual([
      { address: 'registry.example.com:5000', username: 'ci', password: 'r-pw' },
    ]);
    expect((await cluster.store.jobs.get(job.jobId))?.plan.stepSecrets).toBe(false);
  });

  it("uses the build's own clone credentials when the request brings them, kept encrypted", async () => {
    const b = await cluster.createBuild(repo, SECRETS_FILE, {
      netrc: { machine: 'gitlab.example.com', login: 'oauth2', password: 'glpat-user-token' },
    });
    const job = await run(b);
    expect(job.netrc).toEqual({
      machine: 'gitlab.example.com',
      login: 'oauth2',
      password: 'glpat-user-token',
    });
    expect(JSON.stringify(await cluster.store.builds.get(Number(b.id)))).not.toContain('glpat-user-token');
  });
});
