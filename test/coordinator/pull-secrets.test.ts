/**
 * image_pull_secrets through the coordinator: what a runner is handed at
 * Accept under the secret rules, and a build on a real runner daemon that
 * pulls a private image from a registry requiring the secret's credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster as DaemonCluster, REPO, uniqueName } from '../daemon/harness.js';
import { startPrivateRegistry } from '../runner/private-registry.js';
import { Cluster, type SimRunner } from './harness.js';

const USER = 'ci-puller';
const PASSWORD = 'pull-pa55-word';
const AUTH = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');

function config(host: string): string {
  return JSON.stringify({ auths: { [`https://${host}/v1/`]: { auth: AUTH } } });
}

function file(image: string, secrets: string[], extraStep = ''): string {
  return [
    'kind: pipeline',
    'name: private',
    'clone:',
    '  disable: true',
    'image_pull_secrets:',
    ...secrets.map((s) => `  - ${s}`),
    'steps:',
    '  - name: build',
    `    image: ${image}`,
    '    commands:',
    '      - cat /etc/hangar-private',
    extraStep,
  ].join('\n');
}

describe('image_pull_secrets at Accept', () => {
  let cluster: Cluster;
  let runner: SimRunner;

  beforeAll(async () => {
    cluster = await Cluster.start();
    runner = await cluster.runner('pull-secrets-sim');
    await runner.register();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  const PR = {
    event: 'pull_request',
    ref: 'refs/merge-requests/3/head',
    branch: 'main',
    sourceBranch: 'feature',
    targetBranch: 'main',
    mergeRequestIid: 3,
  };

  it('hands the secret over as registry credentials only, and to forks only when allowed', async () => {
    const repo = await cluster.repo();
    await cluster.store.secrets.set(repo.id, {
      name: 'dockerconfig',
      value: config('registry.example.com'),
      events: ['push', 'pull_request'],
    });
    const yml = file('registry.example.com/team/app:1', ['dockerconfig']);
    const accept = async (req: Parameters<Cluster['createBuild']>[2] = {}) => {
      const b = await cluster.createBuild(repo, yml, req);
      const job = await runner.acceptNext(15_000, Number(b.jobs[0]?.id));
      await runner.runAll(job);
      return job;
    };

    const push = await accept();
    expect(push.registries).toEqual([
      { address: 'registry.example.com', username: USER, password: PASSWORD },
    ]);
    expect(push.pullSecretErrors).toEqual([]);
    expect(push.secrets).toEqual([]);

    const fork = await accept({ ...PR, fork: true });
    expect(fork.registries).toEqual([]);
    expect(fork.secrets).toEqual([]);
    expect(fork.pullSecretNotes).toEqual([
      `image_pull_secrets: secret 'dockerconfig' is not given to merge requests from forks; hangar repo update ${repo.slug} --allow-fork-secrets allows it`,
    ]);

    await cluster.store.repos.update(repo.id, { allowForkSecrets: true });
    const allowed = await accept({ ...PR, fork: true });
    expect(allowed.registries.map((r) => r.username)).toEqual([USER]);
  });

  it('tells the runner about a missing or malformed secret, without its value', async () => {
    const repo = await cluster.repo();
    await cluster.store.secrets.set(repo.id, { name: 'notjson', value: `password=${PASSWORD}` });
    const b = await cluster.createBuild(repo, file('registry.example.com/team/app:1', ['nosuch', 'notjson']));
    const job = await runner.acceptNext(15_000, Number(b.jobs[0]?.id));
    await runner.runAll(job);
    expect(job.pullSecretErrors).toEqual([
      `image_pull_secrets: no secret 'nosuch' in ${repo.slug}; add it with hangar secret add ${repo.slug} --name nosuch --data @$HOME/.docker/config.json`,
      `image_pull_secrets: secret 'notjson' in ${repo.slug} is not a Docker config JSON: it is not valid JSON; set it to the content of a ~/.docker/config.json that holds the credentials under "auths"`,
    ]);
    expect(JSON.stringify(job)).not.toContain(PASSWORD);
  });
});

describe('a build with image_pull_secrets on a runner daemon', () => {
  let cluster: DaemonCluster;
  let registry: Awaited<ReturnType<typeof startPrivateRegistry>>;
  const marker = `private image ${Date.now()}`;

  beforeAll(async () => {
    registry = await startPrivateRegistry({
      username: USER,
      password: PASSWORD,
      source: 'hangar/busybox:latest',
      as: 'team/private:1',
      files: { '/etc/hangar-private': `${marker}\n` },
    });
    cluster = await DaemonCluster.start();
    await cluster.runner(uniqueName('pull-secrets'));
  });
  afterAll(async () => {
    await cluster?.dispose();
    await registry?.close();
  });

  it('pulls the private image with the secret and keeps it from the steps', async () => {
    const { store } = cluster.coordinator;
    const repo = await store.repos.bySlug(REPO);
    if (repo === undefined) throw new Error(`no repository ${REPO}`);
    await store.secrets.set(repo.id, { name: 'dockerconfig', value: config(registry.host) });
    const env = [
      '  - name: env',
      '    image: hangar/busybox:latest',
      '    commands:',
      '      - env | sort',
    ].join('\n');
    const created = await cluster.api.createBuild(file(registry.image, ['dockerconfig'], env));
    const build = await cluster.api.waitFinished(Number(created.number));
    expect(build.jobs[0]?.steps.map((s) => [s.name, s.status, s.error])).toEqual([
      ['build', 'SUCCESS', ''],
      ['env', 'SUCCESS', ''],
    ]);
    expect(await cluster.stepLog(build.id, 'private', 'build')).toBe(
      `+ cat /etc/hangar-private\n${marker}\n`,
    );
    const envLog = await cluster.stepLog(build.id, 'private', 'env');
    expect(envLog).toContain('DRONE_BUILD_NUMBER=');
    for (const leaked of [PASSWORD, AUTH, 'auths']) expect(envLog).not.toContain(leaked);
    expect(registry.seen).toContain(`Basic ${AUTH}`);
  }, 90_000);

  it('fails the build before pulling when the secret is missing, and says how to add it', async () => {
    const image = registry.image.replace(':1', ':2');
    const seenBefore = registry.seen.length;
    const created = await cluster.api.createBuild(file(image, ['other']));
    const build = await cluster.api.waitFinished(Number(created.number));
    expect(build.status).toBe('ERROR');
    expect(build.jobs[0]?.steps[0]?.error).toBe(
      `could not pull image ${image}: image_pull_secrets: no secret 'other' in ${REPO}; add it with hangar secret add ${REPO} --name other --data @$HOME/.docker/config.json`,
    );
    expect(registry.seen.length).toBe(seenBefore);
  }, 60_000);
});
