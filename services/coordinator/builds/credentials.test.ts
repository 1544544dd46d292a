import { describe, expect, it } from 'vitest';
import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';
import type { RegistryWithPassword, SecretWithValue } from '../store/index.js';
import { imageName, netrcForJob, registriesForJob, registryHost, secretsForJob } from './credentials.js';

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
  it('reads the registry host of an image as Docker does', () => {
    expect(registryHost('alpine')).toBe('docker.io');
    expect(registryHost('library/alpine:3')).toBe('docker.io');
    expect(registryHost('ghcr.io/org/tool:1')).toBe('ghcr.io');
    expect(registryHost('localhost:5000/x')).toBe('localhost:5000');
    expect(registryHost('localhost/x')).toBe('localhost');
    expect(imageName('registry:5000/a/b:1.2@sha256:abc')).toBe('registry:5000/a/b');
  });

  it("gives only the credentials of registries the job's images come from", () => {
    const regs: RegistryWithPassword[] = [
      {
        id: 1,
        repoId: 1,
        address: 'https://index.docker.io/v1/',
        username: 'hub',
        password: 'h',
        createdAt: 0,
        updatedAt: 0,
      },
      { id: 2, repoId: 1, address: 'ghcr.io', username: 'gh', password: 'g', createdAt: 0, updatedAt: 0 },
      { id: 3, repoId: 1, address: 'quay.io', username: 'q', password: 'q', createdAt: 0, updatedAt: 0 },
    ];
    const p = plan([step('a', 'ghcr.io/org/tool:1')], [step('db', 'postgres:16')]);
    expect(registriesForJob(p, regs).map((r) => r.username)).toEqual(['hub', 'gh']);
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
