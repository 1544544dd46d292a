import { describe, expect, it } from 'vitest';
import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';
import type { RegistryWithPassword, SecretWithValue } from '../store/index.js';
import { imageName, netrcForJob, pullCredentialsForJob, secretsForJob } from './credentials.js';

function step(name: string, image: string, secrets: string[] = []): StepSpec {
  return {
    name,
    image,
    pull: 'if-not-exists',
    commands: [],
    environment: {},
    secrets: secrets.map((s) => ({ source: s, target: s.toUpperCase() })),
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

function plan(steps: StepSpec[], services: StepSpec[] = []): JobPlan {
  return {
    pipeline: 'default',
    run: true,
    platform: { os: 'linux', arch: 'amd64' },
    workspace: { base: '/drone', path: 'src', dir: '/drone/src' },
    clone: step('clone', 'hangar/git:latest'),
    services,
    steps,
    volumes: {},
    dependsOn: [],
    environment: {},
    imagePullSecrets: [],
    labels: {},
  };
}

function secret(name: string, events: SecretWithValue['events'], images: string[] = []): SecretWithValue {
  return { id: 1, repoId: 1, name, value: `${name}-value`, events, images, createdAt: 0, updatedAt: 0 };
}

const push = { event: 'push' as const, fork: false };
const repo = { allowForkSecrets: false };

describe('secretsForJob', () => {
  it('gives only secrets a step uses', () => {
    const p = plan([step('a', 'alpine', ['used'])]);
    const got = secretsForJob(p, push, repo, [secret('used', ['push']), secret('other', ['push'])]);
    expect(got).toEqual([{ name: 'used', value: 'used-value' }]);
  });

  it('applies the event filter', () => {
    const p = plan([step('a', 'alpine', ['s'])]);
    expect(secretsForJob(p, { event: 'tag', fork: false }, repo, [secret('s', ['push'])])).toEqual([]);
    expect(secretsForJob(p, { event: 'pull_request', fork: false }, repo, [secret('s', ['push'])])).toEqual(
      [],
    );
    expect(
      secretsForJob(p, { event: 'pull_request', fork: false }, repo, [secret('s', ['pull_request'])]),
    ).toHaveLength(1);
  });

  it('gives nothing to merge requests from forks unless the repository allows it', () => {
    const p = plan([step('a', 'alpine', ['s'])]);
    const s = [secret('s', ['pull_request'])];
    expect(secretsForJob(p, { event: 'pull_request', fork: true }, repo, s)).toEqual([]);
    expect(
      secretsForJob(p, { event: 'pull_request', fork: true }, { allowForkSecrets: true }, s),
    ).toHaveLength(1);
  });

  it('applies the image filter to every step that uses the secret, with or without tags', () => {
    const s = [secret('pw', ['push'], ['plugins/docker'])];
    expect(secretsForJob(plan([step('a', 'plugins/docker:20', ['pw'])]), push, repo, s)).toHaveLength(1);
    expect(secretsForJob(plan([step('a', 'plugins/docker', ['pw'])]), push, repo, s)).toHaveLength(1);
    expect(
      secretsForJob(plan([step('a', 'plugins/docker', ['pw']), step('b', 'alpine', ['pw'])]), push, repo, s),
    ).toEqual([]);
    const glob = [secret('pw', ['push'], ['plugins/*'])];
    expect(secretsForJob(plan([step('a', 'plugins/ecr:1', ['pw'])]), push, repo, glob)).toHaveLength(1);
  });
});

describe('registries and images', () => {
  it('names an image without its tag or digest', () => {
    expect(imageName('registry:5000/a/b:1.2@sha256:abc')).toBe('registry:5000/a/b');
    expect(imageName('plugins/docker:20')).toBe('plugins/docker');
  });

  it("gives only the credentials of registries the job's images come from, one per host", () => {
    const regs: RegistryWithPassword[] = [
      registry(1, 'https://index.docker.io/v1/', 'hub'),
      registry(2, 'ghcr.io', 'gh'),
      registry(3, 'quay.io', 'q'),
    ];
    const p = plan([step('a', 'ghcr.io/org/tool:1')], [step('db', 'postgres:16')]);
    const got = pullCredentialsForJob(p, push, slugRepo, [], regs);
    expect(got.registries).toEqual([
      { address: 'docker.io', username: 'hub', password: 'hub-pw' },
      { address: 'ghcr.io', username: 'gh', password: 'gh-pw' },
    ]);
    expect(got.errors).toEqual([]);
  });
});

function registry(id: number, address: string, username: string): RegistryWithPassword {
  return { id, repoId: 1, address, username, password: `${username}-pw`, createdAt: 0, updatedAt: 0 };
}

function dockerConfig(auths: Record<string, { user: string; pass: string }>): string {
  const entries = Object.entries(auths).map(([host, { user, pass }]) => [
    host,
    { auth: Buffer.from(`${user}:${pass}`).toString('base64') },
  ]);
  return JSON.stringify({ auths: Object.fromEntries(entries) });
}

function pullSecret(name: string, value: string, over: Partial<SecretWithValue> = {}): SecretWithValue {
  return { ...secret(name, ['push', 'tag']), value, ...over };
}

const slugRepo = { slug: 'group/project', allowForkSecrets: false };

describe('image_pull_secrets', () => {
  const config = dockerConfig({
    'registry.example.com': { user: 'puller', pass: 'p-secret' },
    'https://index.docker.io/v1/': { user: 'hubuser', pass: 'h-secret' },
    'ghcr.io': { user: 'unused', pass: 'u' },
  });
  const withPullSecret = (steps: StepSpec[], names = ['dockerconfig']) => ({
    ...plan(steps),
    imagePullSecrets: names,
  });

  it("turns the secret into credentials for the hosts the job's images come from", () => {
    const p = withPullSecret([step('build', 'registry.example.com/team/app:1'), step('test', 'alpine:3')]);
    const got = pullCredentialsForJob(p, push, slugRepo, [pullSecret('dockerconfig', config)], []);
    expect(got).toEqual({
      registries: [
        { address: 'registry.example.com', username: 'puller', password: 'p-secret' },
        { address: 'docker.io', username: 'hubuser', password: 'h-secret' },
      ],
      errors: [],
      notes: [],
    });
  });

  it('is not handed to steps as a secret unless a step asks for it', () => {
    const s = [pullSecret('dockerconfig', config)];
    const quiet = withPullSecret([step('build', 'registry.example.com/team/app:1')]);
    expect(secretsForJob(quiet, push, slugRepo, s)).toEqual([]);
    const asks = withPullSecret([step('push', 'plugins/docker', ['dockerconfig'])]);
    expect(secretsForJob(asks, push, slugRepo, s).map((x) => x.name)).toEqual(['dockerconfig']);
  });

  it('wins over credentials stored for the same registry, however either is written', () => {
    const p = withPullSecret([step('build', 'index.docker.io/team/app:1')]);
    const got = pullCredentialsForJob(
      p,
      push,
      slugRepo,
      [pullSecret('dockerconfig', config)],
      [registry(1, 'registry-1.docker.io', 'stored'), registry(2, 'registry.example.com', 'other')],
    );
    expect(got.registries).toEqual([{ address: 'docker.io', username: 'hubuser', password: 'h-secret' }]);
  });

  it('says when the secret does not exist, and how to add it', () => {
    const p = withPullSecret([step('build', 'registry.example.com/team/app:1')]);
    const got = pullCredentialsForJob(p, push, slugRepo, [], [registry(1, 'registry.example.com', 'stored')]);
    expect(got.errors).toEqual([
      "image_pull_secrets: no secret 'dockerconfig' in group/project; add it with hangar secret add group/project --name dockerconfig --data @$HOME/.docker/config.json",
    ]);
    // Stored credentials still go with the job.
    expect(got.registries.map((r) => r.username)).toEqual(['stored']);
  });

  it('says when the secret is not a Docker config JSON, without its value', () => {
    const p = withPullSecret([step('build', 'registry.example.com/team/app:1')]);
    const got = pullCredentialsForJob(
      p,
      push,
      slugRepo,
      [pullSecret('dockerconfig', 'hunter2-not-json')],
      [],
    );
    expect(got.errors).toEqual([
      'image_pull_secrets: secret \'dockerconfig\' in group/project is not a Docker config JSON: it is not valid JSON; set it to the content of a ~/.docker/config.json that holds the credentials under "auths"',
    ]);
    expect(got.errors.join()).not.toContain('hunter2');
    expect(got.registries).toEqual([]);
  });

  it('gives nothing to merge requests from forks unless the repository allows it', () => {
    const p = withPullSecret([step('build', 'registry.example.com/team/app:1')]);
    const s = [pullSecret('dockerconfig', config, { events: ['pull_request'] })];
    const fork = { event: 'pull_request' as const, fork: true };
    const refused = pullCredentialsForJob(p, fork, slugRepo, s, []);
    expect(refused.registries).toEqual([]);
    expect(refused.errors).toEqual([]);
    expect(refused.notes).toEqual([
      "image_pull_secrets: secret 'dockerconfig' is not given to merge requests from forks; hangar repo update group/project --allow-fork-secrets allows it",
    ]);
    const allowed = pullCredentialsForJob(p, fork, { ...slugRepo, allowForkSecrets: true }, s, []);
    // The clone image comes from Docker Hub, so its login goes too.
    expect(allowed.registries.map((r) => r.username)).toEqual(['puller', 'hubuser']);
    const sameProject = pullCredentialsForJob(p, { event: 'pull_request', fork: false }, slugRepo, s, []);
    expect(sameProject.registries.map((r) => r.username)).toEqual(['puller', 'hubuser']);
  });

  it('applies the event filter', () => {
    const p = withPullSecret([step('build', 'registry.example.com/team/app:1')]);
    const got = pullCredentialsForJob(
      p,
      { event: 'pull_request', fork: false },
      slugRepo,
      [pullSecret('dockerconfig', config)],
      [],
    );
    expect(got.registries).toEqual([]);
    expect(got.notes).toEqual([
      "image_pull_secrets: secret 'dockerconfig' is not given to pull_request builds (it is for push, tag)",
    ]);
  });

  it("applies the image filter to the images pulled with the secret's credentials", () => {
    const s = [pullSecret('dockerconfig', config, { images: ['registry.example.com/team/*'] })];
    const ok = withPullSecret([step('a', 'registry.example.com/team/app:1'), step('b', 'hangar/busybox')]);
    expect(pullCredentialsForJob(ok, push, slugRepo, s, []).registries.map((r) => r.address)).toEqual([
      'registry.example.com',
    ]);
    const only = dockerConfig({ 'registry.example.com': { user: 'puller', pass: 'p' } });
    const other = withPullSecret([step('a', 'registry.example.com/other/app:1')]);
    const got = pullCredentialsForJob(
      other,
      push,
      slugRepo,
      [{ ...s[0], value: only } as SecretWithValue],
      [],
    );
    expect(got.registries).toEqual([]);
    expect(got.notes).toEqual([
      "image_pull_secrets: secret 'dockerconfig' may be used only with registry.example.com/team/*, not with registry.example.com/other/app:1",
    ]);
  });
});

describe('netrcForJob', () => {
  const r = { cloneUrl: 'https://gitlab.example.com/group/app.git' };
  it("prefers the build's own credentials and fills in the machine", () => {
    expect(
      netrcForJob(r, { machine: '', login: 'oauth2', password: 't' }, { login: 'x', password: 'y' }),
    ).toEqual({
      machine: 'gitlab.example.com',
      login: 'oauth2',
      password: 't',
    });
  });
  it("falls back to the coordinator's credentials, or none", () => {
    expect(netrcForJob(r, undefined, { login: 'x', password: 'y' })).toEqual({
      machine: 'gitlab.example.com',
      login: 'x',
      password: 'y',
    });
    expect(netrcForJob(r, undefined, undefined)).toBeUndefined();
  });
});
