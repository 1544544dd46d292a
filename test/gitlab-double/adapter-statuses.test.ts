import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGitLabApi,
  type GitLabApi,
  GitLabAuthError,
  GitLabNotFoundError,
  GitLabRejectedError,
} from '../../services/gitlab-bot/gitlab/index.js';
import { GitLabDouble, type Project, Role, type User } from './index.js';

let gitlab: GitLabDouble;
let api: GitLabApi;
let bot: User;
let project: Project;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot) });
  project = await gitlab.createProject({ path: 'acme/app', files: { '.drone.yml': 'pipeline: {}\n' } });
  gitlab.addMember(project, bot, Role.developer);
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

async function newCommit(message: string): Promise<string> {
  return (await gitlab.commit(project, { files: { [`${message}.txt`]: message }, message })).sha;
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('GitLab accepted the status');
    },
    (e: unknown) => e as GitLabRejectedError,
  );

describe('commit statuses', () => {
  it('moves one status pending → running → success, keeping name, ref, link and description', async () => {
    const sha = await newCommit('happy');
    const base = { sha, name: 'hangar/build', ref: 'main', targetUrl: 'https://ci.example.test/acme/app/1' };
    const pending = await api.createCommitStatus(project.id, {
      ...base,
      state: 'pending',
      description: 'queued',
    });
    const running = await api.createCommitStatus(project.id, {
      ...base,
      state: 'running',
      description: 'running',
    });
    const done = await api.createCommitStatus(project.id, {
      ...base,
      state: 'success',
      description: 'passed',
    });
    expect(pending.status).toBe('pending');
    expect(running.id).toBe(pending.id); // the same GitLab job moves along
    expect(done).toMatchObject({
      id: pending.id,
      status: 'success',
      name: 'hangar/build',
      ref: 'main',
      sha,
      targetUrl: 'https://ci.example.test/acme/app/1',
      description: 'passed',
      author: { id: bot.id },
    });
    const listed = await api.listCommitStatuses(project.id, sha);
    expect(listed.map((s) => [s.name, s.status])).toEqual([['hangar/build', 'success']]);
    const bodies = gitlab
      .requestsTo('statuses.create')
      .slice(-3)
      .map((r) => r.body);
    expect(bodies.map((b) => (b as { state: string }).state)).toEqual(['pending', 'running', 'success']);
  });

  it("refuses running → running with GitLab's message, and the error says the state was already there", async () => {
    const sha = await newCommit('twice');
    await api.createCommitStatus(project.id, { sha, state: 'running', name: 'hangar/test', ref: 'main' });
    const err = await refusal(
      api.createCommitStatus(project.id, { sha, state: 'running', name: 'hangar/test', ref: 'main' }),
    );
    expect(err).toBeInstanceOf(GitLabRejectedError);
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.gitlabMessage).toMatch(/^Cannot transition status via :run from :running/);
    expect(err.transition).toEqual({ event: 'run', from: 'running' });
    expect(err.alreadyInState).toBe(true);
    expect(err.message).toContain('project');
  });

  it('refuses pending → pending and running → pending, telling the two apart', async () => {
    const sha = await newCommit('backwards');
    const s = { sha, name: 'hangar/lint', ref: 'main' };
    await api.createCommitStatus(project.id, { ...s, state: 'pending' });
    const again = await refusal(api.createCommitStatus(project.id, { ...s, state: 'pending' }));
    expect(again.gitlabMessage).toMatch(/^Cannot transition status via :enqueue from :pending/);
    expect(again.alreadyInState).toBe(true);
    await api.createCommitStatus(project.id, { ...s, state: 'running' });
    const back = await refusal(api.createCommitStatus(project.id, { ...s, state: 'pending' }));
    expect(back.gitlabMessage).toMatch(/^Cannot transition status via :enqueue from :running/);
    expect(back.alreadyInState).toBe(false);
  });

  it('re-opens a finished status as a new one, as GitLab does for a rebuild', async () => {
    const sha = await newCommit('rebuild');
    const s = { sha, name: 'hangar/build', ref: 'main' };
    const first = await api.createCommitStatus(project.id, {
      ...s,
      state: 'failed',
      description: 'step test failed (exit 2)',
    });
    const reopened = await api.createCommitStatus(project.id, { ...s, state: 'pending' });
    expect(reopened.id).not.toBe(first.id);
    await api.createCommitStatus(project.id, { ...s, state: 'running' });
    await api.createCommitStatus(project.id, { ...s, state: 'success' });
    const latest = await api.listCommitStatuses(project.id, sha);
    expect(latest.map((x) => x.status)).toEqual(['success']);
    const all = await api.listCommitStatuses(project.id, sha, { all: true });
    expect(all.map((x) => x.status)).toEqual(['failed', 'success']);
  });

  it("names a status 'default' when no name is given, and keeps names apart", async () => {
    const sha = await newCommit('names');
    await api.createCommitStatus(project.id, { sha, state: 'running' });
    await api.createCommitStatus(project.id, { sha, state: 'running', name: 'hangar/a' });
    await api.createCommitStatus(project.id, { sha, state: 'success', name: 'hangar/b' });
    const listed = await api.listCommitStatuses(project.id, sha);
    expect(listed.map((s) => `${s.name}=${s.status}`).sort()).toEqual([
      'default=running',
      'hangar/a=running',
      'hangar/b=success',
    ]);
    expect(await api.listCommitStatuses(project.id, sha, { name: 'hangar/a' })).toHaveLength(1);
  });

  it("cuts a long description to GitLab's 255 characters instead of being refused", async () => {
    const sha = await newCommit('long');
    const long = `${'ü'.repeat(300)} tail`;
    const s = await api.createCommitStatus(project.id, {
      sha,
      state: 'failed',
      name: 'hangar/x',
      description: long,
    });
    expect(Array.from(s.description ?? '')).toHaveLength(255);
    expect(s.description?.endsWith('…')).toBe(true);
  });

  it("carries GitLab's validation message for a link GitLab will not store", async () => {
    const sha = await newCommit('bad-link');
    const err = await refusal(
      api.createCommitStatus(project.id, { sha, state: 'pending', targetUrl: 'ftp://ci/1' }),
    );
    expect(err.status).toBe(400);
    expect(err.gitlabMessage).toBe('target_url is blocked: Only allowed schemes are http, https');
    // The double enforces the 255-character limit the adapter protects against.
    const raw = await fetch(`${gitlab.url}/api/v4/projects/${project.id}/statuses/${sha}`, {
      method: 'POST',
      headers: { 'private-token': gitlab.issueToken(bot), 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'pending', description: 'd'.repeat(256) }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({
      message: { description: ['is too long (maximum is 255 characters)'] },
    });
  });

  it('without a ref, attaches to a branch containing the commit; a commit on no branch is refused', async () => {
    const sha = await newCommit('no-ref');
    expect((await api.createCommitStatus(project.id, { sha, state: 'pending', name: 'n' })).ref).toBe('main');
    const orphan = await gitlab.commit(project, { branch: 'tmp', files: { x: 'y' }, message: 'orphan' });
    await gitlab.deleteBranch(project, 'tmp');
    const err = await api
      .createCommitStatus(project.id, { sha: orphan.sha, state: 'pending' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLabNotFoundError);
    expect((err as GitLabNotFoundError).gitlabMessage).toBe('404 References for commit Not Found');
  });

  it('attaches to a given pipeline and refuses an unknown one', async () => {
    const sha = await newCommit('pipelines');
    const s = await api.createCommitStatus(project.id, { sha, state: 'pending', name: 'p', ref: 'main' });
    expect(s.pipelineId).toBeGreaterThan(0);
    const s2 = await api.createCommitStatus(project.id, {
      sha,
      state: 'pending',
      name: 'q',
      ref: 'main',
      pipelineId: s.pipelineId ?? 0,
    });
    expect(s2.pipelineId).toBe(s.pipelineId);
    await expect(
      api.createCommitStatus(project.id, {
        sha,
        state: 'pending',
        name: 'r',
        ref: 'main',
        pipelineId: 99_999,
      }),
    ).rejects.toBeInstanceOf(GitLabNotFoundError);
  });

  it('refuses an unknown commit', async () => {
    const err = await api
      .createCommitStatus(project.id, { sha: 'a'.repeat(40), state: 'pending' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLabNotFoundError);
    expect((err as GitLabNotFoundError).gitlabMessage).toBe('404 Commit Not Found');
  });

  it('tells a Reporter bot which role it needs, and a read-only token which scope', async () => {
    const sha = await newCommit('perm');
    const reporter = gitlab.addUser({ username: 'reporter-bot' });
    gitlab.addMember(project, reporter, Role.reporter);
    const weak = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(reporter) });
    const err = await weak.createCommitStatus(project.id, { sha, state: 'pending' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLabAuthError);
    expect((err as GitLabAuthError).status).toBe(403);
    expect((err as Error).message).toContain('Developer');
    expect((err as Error).message).toContain('HANGAR_GITLAB_TOKEN');
    weak.close();

    const readOnly = createGitLabApi({
      url: gitlab.url,
      token: gitlab.issueToken(bot, ['read_api']),
      tokenVariable: 'DRONE_GITLAB_TOKEN',
    });
    expect((await readOnly.listCommitStatuses(project.id, sha)).length).toBe(0);
    const scopeErr = await readOnly
      .createCommitStatus(project.id, { sha, state: 'pending' })
      .catch((e: unknown) => e);
    expect(scopeErr).toBeInstanceOf(GitLabAuthError);
    expect((scopeErr as Error).message).toContain("'api' scope");
    expect((scopeErr as Error).message).toContain('DRONE_GITLAB_TOKEN');
    readOnly.close();
  });
});
