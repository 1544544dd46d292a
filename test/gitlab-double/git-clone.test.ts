import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitLabDouble, type Project, Role, type User } from './index.js';

const run = promisify(execFile);

let gitlab: GitLabDouble;
let bot: User;
let token: string;
let project: Project;
let work: string;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  token = gitlab.issueToken(bot);
  project = await gitlab.createProject({
    path: 'acme/tools/app',
    files: { '.drone.yml': 'pipeline:\n  test:\n    image: busybox\n', 'src/main.sh': 'echo hi\n' },
  });
  gitlab.addMember(project, bot, Role.reporter);
  work = await mkdtemp(join(tmpdir(), 'hangar-clone-test-'));
});
afterAll(async () => {
  await gitlab?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs real `git` with no stored credentials and no prompts. */
async function git(args: string[], cwd = work): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const r = await run('git', args, {
      cwd,
      env: {
        ...process.env,
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    });
    return { ok: true, out: r.stdout.trim(), err: r.stderr };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

function cloneUrl(user: string, password: string): string {
  const u = new URL(`${gitlab.url}/acme/tools/app.git`);
  u.username = user;
  u.password = password;
  return u.toString();
}

describe('git over HTTP', () => {
  it("clones with the bot's token and checks out the exact commit a build needs", async () => {
    const first = await gitlab.resolve(project, 'main');
    const second = await gitlab.commit(project, {
      files: { 'src/main.sh': 'echo hello\n' },
      message: 'Say hello',
    });
    const dir = join(work, 'by-token');
    const clone = await git(['clone', '--quiet', cloneUrl('oauth2', token), dir]);
    expect(clone.err).toBe('');
    expect(clone.ok).toBe(true);
    expect((await git(['rev-parse', 'HEAD'], dir)).out).toBe(second.sha);
    expect(await readFile(join(dir, 'src/main.sh'), 'utf8')).toBe('echo hello\n');
    expect((await git(['checkout', '--quiet', first], dir)).ok).toBe(true);
    expect(await readFile(join(dir, 'src/main.sh'), 'utf8')).toBe('echo hi\n');
  });

  it('fetches a merge request branch the way a Drone clone step does (init, fetch ref, checkout sha)', async () => {
    const head = await gitlab.commit(project, {
      branch: 'feature',
      from: 'main',
      files: { 'feature.txt': 'new\n' },
      message: 'Feature',
    });
    const dir = join(work, 'drone-style');
    expect((await git(['init', '--quiet', dir])).ok).toBe(true);
    expect((await git(['remote', 'add', 'origin', cloneUrl('oauth2', token)], dir)).ok).toBe(true);
    const fetched = await git(['fetch', '--quiet', '--depth=50', 'origin', '+refs/heads/feature:'], dir);
    expect(fetched.err).toBe('');
    expect((await git(['checkout', '--quiet', '-qf', head.sha], dir)).ok).toBe(true);
    expect(await readFile(join(dir, 'feature.txt'), 'utf8')).toBe('new\n');
  });

  it('clones with DRONE_GITLAB_GIT_USERNAME / DRONE_GITLAB_GIT_PASSWORD style credentials', async () => {
    gitlab.addGitCredentials('ci-reader', 'clone-password', bot);
    const dir = join(work, 'by-password');
    expect((await git(['clone', '--quiet', cloneUrl('ci-reader', 'clone-password'), dir])).ok).toBe(true);
    expect(await readFile(join(dir, '.drone.yml'), 'utf8')).toContain('busybox');
  });

  it('refuses a wrong token, a missing one, and a user without access to the project', async () => {
    const wrong = await git(['clone', '--quiet', cloneUrl('oauth2', 'glpat-wrong'), join(work, 'wrong')]);
    expect(wrong.ok).toBe(false);
    expect(wrong.err).toMatch(/Authentication failed|401/);
    const anonymous = await git(['clone', '--quiet', `${gitlab.url}/acme/tools/app.git`, join(work, 'anon')]);
    expect(anonymous.ok).toBe(false);
    const stranger = gitlab.addUser({ username: 'stranger' });
    const theirs = await git([
      'clone',
      '--quiet',
      cloneUrl('x', gitlab.issueToken(stranger)),
      join(work, 'stranger'),
    ]);
    expect(theirs.ok).toBe(false);
    expect(gitlab.requestsTo('git').filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(3);
  });

  it('lets anyone clone a public project, and refuses every push', async () => {
    const open = await gitlab.createProject({
      path: 'oss/lib',
      visibility: 'public',
      files: { LICENSE: 'MIT\n' },
    });
    const dir = join(work, 'public');
    expect((await git(['clone', '--quiet', `${gitlab.url}/oss/lib.git`, dir])).ok).toBe(true);
    await git(
      ['-c', 'user.name=x', '-c', 'user.email=x@y', 'commit', '--quiet', '--allow-empty', '-m', 'x'],
      dir,
    );
    const push = await git(
      ['push', '--quiet', cloneUrl('oauth2', token).replace('acme/tools/app', 'oss/lib'), 'HEAD:main'],
      dir,
    );
    expect(push.ok).toBe(false);
    expect(await gitlab.resolve(open, 'main')).not.toBe((await git(['rev-parse', 'HEAD'], dir)).out);
  });
});
