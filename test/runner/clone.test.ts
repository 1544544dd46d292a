import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepSpec } from '../../services/shared/pipeline/types.js';
import { type GitServer, startGitServer } from './git-server.js';
import { expectNothingLeft, plan, run, step } from './helpers.js';

const GIT_IMAGE = 'hangar/git:latest';
const HOST = 'git.hangar.test';

/** The clone step as the compiler leaves it to the runner: no image of its own. */
function defaultClone(over: Partial<StepSpec> = {}): StepSpec {
  return step('clone', { image: '', extraHosts: [`${HOST}:host-gateway`], ...over });
}

function buildEnv(server: GitServer, sha: string) {
  return {
    DRONE_REMOTE_URL: `http://${HOST}:${server.port}/repo.git`,
    DRONE_COMMIT_SHA: sha,
    DRONE_COMMIT_REF: 'refs/heads/main',
    DRONE_COMMIT_BRANCH: 'main',
  };
}

const inspect = step('inspect', {
  image: GIT_IMAGE,
  commands: [
    'cat README',
    'git rev-parse HEAD',
    'git rev-parse --abbrev-ref HEAD',
    'ls -a "$HOME"',
    'env | grep -c NETRC || true',
  ],
});

describe('executor on Docker: clone', () => {
  let open: GitServer;
  let locked: GitServer;
  const auth = { user: 'ci-bot', password: 'n3trc-pa55word' };

  beforeAll(async () => {
    open = await startGitServer();
    locked = await startGitServer(auth);
  });
  afterAll(async () => {
    await open?.close();
    await locked?.close();
  });

  it('clones the repository at the build commit into the workspace before the steps', async () => {
    const sha = open.commits[1] ?? '';
    const o = await run(plan([inspect], { clone: defaultClone(), environment: buildEnv(open, sha) }), {
      cloneImage: GIT_IMAGE,
    });
    expect(o.step('clone')).toMatchObject({ kind: 'clone', status: 'success', exitCode: 0 });
    expect(o.text('clone')).toContain('+ git init');
    expect(o.text('inspect')).toContain('second version');
    expect(o.text('inspect')).toContain(sha);
    expect(o.text('inspect')).toContain('main');
    expect(o.result.status).toBe('success');
    await expectNothingLeft(o.jobId);
  });

  it('clones shallow when the clone step sets a depth', async () => {
    const sha = open.commits[2] ?? '';
    const o = await run(
      plan([step('count', { image: GIT_IMAGE, commands: ['git rev-list --count HEAD'] })], {
        clone: defaultClone({ environment: { PLUGIN_DEPTH: '1' } }),
        environment: buildEnv(open, sha),
      }),
      { cloneImage: GIT_IMAGE },
    );
    expect(o.text('clone')).toContain('+ git fetch --depth=1 origin +refs/heads/main:');
    expect(o.text('count')).toEqual(['+ git rev-list --count HEAD', '1']);
  });

  it('uses netrc credentials for a private repository, and keeps them out of logs and later steps', async () => {
    const sha = locked.commits[0] ?? '';
    const o = await run(plan([inspect], { clone: defaultClone(), environment: buildEnv(locked, sha) }), {
      cloneImage: GIT_IMAGE,
      netrc: { machine: HOST, login: auth.user, password: auth.password },
    });
    expect(o.step('clone').status).toBe('success');
    expect(o.text('inspect')).toContain('first version');
    expect(o.text('inspect')).not.toContain('.netrc');
    expect(o.text('inspect').at(-1)).toBe('0');
    expect(o.lines.some((l) => l.line.includes(auth.password))).toBe(false);
    await expectNothingLeft(o.jobId);
  });

  it('fails the clone without credentials, and skips the steps', async () => {
    const o = await run(
      plan([inspect], { clone: defaultClone(), environment: buildEnv(locked, locked.commits[0] ?? '') }),
      { cloneImage: GIT_IMAGE },
    );
    expect(o.step('clone').status).toBe('failure');
    expect(o.step('inspect').status).toBe('skipped');
    expect(o.result.status).toBe('failure');
    await expectNothingLeft(o.jobId);
  });

  it('says so when there is no URL to clone from', async () => {
    const o = await run(plan([inspect], { clone: defaultClone() }), { cloneImage: GIT_IMAGE });
    expect(o.step('clone')).toMatchObject({ status: 'error' });
    expect(o.step('clone').error).toMatch(/no repository URL to clone from/);
    expect(o.step('inspect').status).toBe('skipped');
  });
});
