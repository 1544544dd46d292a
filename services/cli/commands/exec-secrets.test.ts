import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile } from '../../shared/pipeline/compile.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import { commandLineSecrets, execPullCredentials, stepSecrets } from './exec-secrets.js';
import { runCli, scratchDir } from './run-cli.test-support.js';

const scratch = scratchDir('hangar-exec-secrets-');

function job(yaml: string): JobPlan {
  const compiled = compile(yaml, {
    repo: { slug: 'local/app' },
    commit: { sha: '0'.repeat(40), ref: 'refs/heads/main', branch: 'main' },
    build: { number: 1, event: 'push' },
    trusted: false,
  });
  const [first] = compiled.jobs;
  if (!compiled.ok || first === undefined) throw new Error('test pipeline does not compile');
  return first;
}

const PIPELINE = `kind: pipeline
name: default
image_pull_secrets: [dockerconfig]
steps:
- name: build
  image: registry.example.com/team/app:1
  commands: [make]
- name: test
  image: alpine:3
  environment:
    TOKEN:
      from_secret: token
  commands: [make test]
`;

function dockerConfig(entries: Record<string, [string, string]>): string {
  const auths = Object.fromEntries(
    Object.entries(entries).map(([host, [user, pass]]) => [
      host,
      { auth: Buffer.from(`${user}:${pass}`).toString('base64') },
    ]),
  );
  return JSON.stringify({ auths });
}

describe('hangar exec image_pull_secrets', () => {
  it("gives the Docker config's credentials for the hosts the pipeline pulls from, one per host", () => {
    const plan = { ...job(PIPELINE), imagePullSecrets: ['dockerconfig', 'second'] };
    const got = execPullCredentials(plan, {
      dockerconfig: dockerConfig({
        'https://registry.example.com/v1/': ['puller', 'p-secret'],
        'ghcr.io': ['other', 'o-secret'],
      }),
      second: dockerConfig({
        'registry.example.com': ['late', 'l-secret'],
        'index.docker.io': ['hub', 'h-secret'],
      }),
    });
    expect(got).toEqual({
      registries: [
        { address: 'registry.example.com', username: 'puller', password: 'p-secret' },
        { address: 'docker.io', username: 'hub', password: 'h-secret' },
      ],
      errors: [],
      notes: [],
    });
  });

  it('says which flag to pass when the secret was not given', () => {
    const got = execPullCredentials(job(PIPELINE), { token: 't' });
    expect(got.registries).toEqual([]);
    expect(got.errors).toEqual([
      "image_pull_secrets: no secret 'dockerconfig' was given to hangar exec; pass it with --secret-file dockerconfig=$HOME/.docker/config.json",
    ]);
  });

  it('says what is wrong with a value that is not a Docker config, without repeating it', () => {
    const value = JSON.stringify({ credsStore: 'desktop', password: 'do-not-print' });
    const got = execPullCredentials(job(PIPELINE), { dockerconfig: value });
    expect(got.errors).toEqual([
      `image_pull_secrets: secret 'dockerconfig' is not a Docker config JSON: it names a credential helper (credsStore) instead of holding credentials under "auths"; pass a config.json that holds the credentials under "auths" with --secret-file dockerconfig=PATH`,
    ]);
    expect(got.errors.join()).not.toContain('do-not-print');
  });

  it('keeps a pull secret from the steps unless a step asks for it', () => {
    const secrets = { dockerconfig: '{"auths":{}}', token: 't', unused: 'u' };
    expect(stepSecrets(job(PIPELINE), secrets)).toEqual({ token: 't', unused: 'u' });
    const asks = job(PIPELINE.replace('from_secret: token', 'from_secret: dockerconfig'));
    expect(Object.keys(stepSecrets(asks, secrets)).sort()).toEqual(['dockerconfig', 'token', 'unused']);
  });
});

describe('hangar exec --secret-file', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("reads each file's content as it is, next to --secret values; ~ is the home directory", () => {
    const home = join(scratch.dir, 'home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), '{"auths": {}}\n');
    vi.stubEnv('HOME', home);
    const key = scratch.file('key.pem', 'line one\nline two\n');
    const got = commandLineSecrets(['token=a=b'], [`dockerconfig=~/.docker/config.json`, `key=${key}`]);
    expect(got).toEqual({ token: 'a=b', dockerconfig: '{"auths": {}}\n', key: 'line one\nline two\n' });
  });

  it('refuses a name given twice and a file it cannot read, in one sentence each', async () => {
    const file = scratch.file('pipeline.yml', PIPELINE);
    const missing = join(scratch.dir, 'nope.json');
    const unreadable = await runCli(['exec', file, '--secret-file', `dockerconfig=${missing}`]);
    expect(unreadable).toEqual({
      code: 1,
      out: '',
      err: `hangar: --secret-file dockerconfig=${missing}: cannot read ${missing}: there is no such file; give the path of a readable file\n`,
    });
    const twice = await runCli(['exec', file, '--secret', 'token=a', '--secret-file', `token=${file}`]);
    expect(twice.err).toBe(
      "hangar: secret 'token' is given with both --secret and --secret-file; give it once\n",
    );
    expect(twice.code).toBe(1);
    const shape = await runCli(['exec', file, '--secret-file', 'config.json']);
    expect(shape.err).toBe(
      "hangar: --secret-file 'config.json' is not NAME=PATH; write it like --secret-file NAME=PATH\n",
    );
  });
});
