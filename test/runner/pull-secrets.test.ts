/**
 * image_pull_secrets on real Docker: the credentials the coordinator makes
 * of a Docker config JSON secret (pullCredentialsForJob) pull a private
 * image from a registry that requires them; unusable secrets stop the job
 * before anything is pulled.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PullCredentials,
  pullCredentialsForJob,
} from '../../services/coordinator/builds/credentials.js';
import type { SecretWithValue } from '../../services/coordinator/store/index.js';
import type { RunOptions } from '../../services/runner/executor/options.js';
import { createLogger } from '../../services/shared/log.js';
import type { BuildEvent, JobPlan } from '../../services/shared/pipeline/types.js';
import { BUSYBOX, plan, run, step } from './helpers.js';
import { type PrivateRegistry, startPrivateRegistry } from './private-registry.js';

const USER = 'ci-puller';
const PASSWORD = 'pull-pa55-word';
const MARKER = `private image ${Date.now()}`;
const REPO = { slug: 'group/project', allowForkSecrets: false };

function dockerConfigSecret(address: string, events: BuildEvent[] = ['push']): SecretWithValue {
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  const value = JSON.stringify({ auths: { [address]: { auth } } });
  return { id: 1, repoId: 1, name: 'dockerconfig', value, events, images: [], createdAt: 0, updatedAt: 0 };
}

/** What the runner daemon makes of the Accept answer (services/runner/daemon/job-session.ts). */
function runOptions(c: PullCredentials): Partial<RunOptions> {
  return {
    registries: Object.fromEntries(
      c.registries.map((r) => [r.address, { username: r.username, password: r.password }]),
    ),
    pullSecretErrors: c.errors,
    pullSecretNotes: c.notes,
  };
}

describe('image_pull_secrets on Docker', () => {
  let registry: PrivateRegistry;
  let pipeline: (image: string) => JobPlan;

  beforeAll(async () => {
    registry = await startPrivateRegistry({
      username: USER,
      password: PASSWORD,
      source: BUSYBOX,
      as: 'team/private:1',
      files: { '/etc/hangar-private': `${MARKER}\n` },
    });
    pipeline = (image) => ({
      ...plan([step('build', { image, commands: ['cat /etc/hangar-private'] })]),
      imagePullSecrets: ['dockerconfig'],
    });
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('pulls a private image with the credentials of the Docker config secret', async () => {
    const secret = dockerConfigSecret(`http://${registry.host}/v2/`);
    const creds = pullCredentialsForJob(
      pipeline(registry.image),
      { event: 'push', fork: false },
      REPO,
      [secret],
      [],
    );
    expect(creds.errors).toEqual([]);
    const o = await run(pipeline(registry.image), runOptions(creds));
    expect(o.step('build')).toMatchObject({ status: 'success', exitCode: 0 });
    expect(o.text('build')).toEqual(['+ cat /etc/hangar-private', MARKER]);
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    expect(registry.seen).toContain(basic);
    expect(registry.seen.filter((a) => a !== undefined && a !== basic)).toEqual([]);
    expect(o.lines.map((l) => l.line).join('\n')).not.toContain(PASSWORD);
  }, 60_000);

  it('gives a merge request from a fork no credentials, and says why when the pull fails', async () => {
    const image = registry.image.replace(':1', ':fork');
    const creds = pullCredentialsForJob(
      pipeline(image),
      { event: 'pull_request', fork: true },
      REPO,
      [dockerConfigSecret(registry.host, ['push', 'pull_request'])],
      [],
    );
    const seenBefore = registry.seen.length;
    const o = await run(pipeline(image), runOptions(creds));
    expect(o.step('build').status).toBe('error');
    expect(o.step('build').error).toMatch(
      new RegExp(`^could not pull image ${image.replaceAll('.', '\\.')}: .*no basic auth credentials`),
    );
    expect(o.step('build').error).toContain(
      "; image_pull_secrets: secret 'dockerconfig' is not given to merge requests from forks; hangar repo update group/project --allow-fork-secrets allows it",
    );
    expect(registry.seen.slice(seenBefore).every((a) => a === undefined)).toBe(true);
  }, 60_000);

  it('fails before pulling when the secret is missing, with the sentence that says how to add it', async () => {
    const image = registry.image.replace(':1', ':missing');
    const creds = pullCredentialsForJob(pipeline(image), { event: 'push', fork: false }, REPO, [], []);
    const seenBefore = registry.seen.length;
    const o = await run(pipeline(image), runOptions(creds));
    expect(o.result.status).toBe('error');
    expect(o.step('build').error).toBe(
      `could not pull image ${image}: image_pull_secrets: no secret 'dockerconfig' in group/project; add it with hangar secret add group/project --name dockerconfig --data @$HOME/.docker/config.json`,
    );
    expect(registry.seen.length).toBe(seenBefore);
  });

  it('fails before pulling when the secret is not a Docker config JSON, without showing it', async () => {
    const bad = { ...dockerConfigSecret(registry.host), value: `user=${USER} password=${PASSWORD}` };
    const creds = pullCredentialsForJob(
      pipeline(registry.image),
      { event: 'push', fork: false },
      REPO,
      [bad],
      [],
    );
    const image = registry.image.replace(':1', ':bad');
    const o = await run(pipeline(image), runOptions(creds));
    expect(o.step('build').error).toBe(
      `could not pull image ${image}: image_pull_secrets: secret 'dockerconfig' in group/project is not a Docker config JSON: it is not valid JSON; set it to the content of a ~/.docker/config.json that holds the credentials under "auths"`,
    );
    expect(o.step('build').error).not.toContain(PASSWORD);
  });

  it('runs a job whose images are all on the host, and logs a warning instead', async () => {
    const chunks: string[] = [];
    const log = createLogger({
      level: 'warn',
      destination: new Writable({
        write: (c: Buffer, _e, cb) => {
          chunks.push(c.toString());
          cb();
        },
      }),
    });
    const p = {
      ...plan([step('build', { image: BUSYBOX, commands: ['echo local'] })]),
      imagePullSecrets: ['dockerconfig'],
    };
    const creds = pullCredentialsForJob(p, { event: 'push', fork: false }, REPO, [], []);
    const o = await run(p, { ...runOptions(creds), log });
    expect(o.result.status).toBe('success');
    expect(o.text('build')).toEqual(['+ echo local', 'local']);
    const warnings = chunks.map((c) => JSON.parse(c) as { msg: string; problems?: string[] });
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'image_pull_secrets cannot be used; the image is on this host, so nothing was pulled',
        problems: [expect.stringContaining("image_pull_secrets: no secret 'dockerconfig' in group/project")],
      }),
    ]);
  });
});
