import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGitLabApi,
  type GitLabApi,
  GitLabNotFoundError,
} from '../../services/gitlab-bot/gitlab/index.js';
import { GitLabDouble, type Project, Role, type User } from './index.js';

let gitlab: GitLabDouble;
let api: GitLabApi;
let bot: User;
let project: Project;
let hidden: Project;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  bot = gitlab.addUser({ username: 'hangar-bot', name: 'Hangar Bot', bot: true });
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot) });
  project = await gitlab.createProject({
    path: 'acme/platform/app',
    files: { '.drone.yml': 'pipeline:\n  test:\n    image: busybox\n', 'ci/build.yml': 'kind: pipeline\n' },
  });
  gitlab.addMember(project, bot, Role.developer);
  hidden = await gitlab.createProject({ path: 'other/secret', files: { 'README.md': 'hi\n' } });
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

describe('reading users and projects', () => {
  it('returns the user the token belongs to, and users by id', async () => {
    const me = await api.currentUser();
    expect(me).toMatchObject({ id: bot.id, username: 'hangar-bot', name: 'Hangar Bot', bot: true });
    const other = gitlab.addUser({ username: 'alice', name: 'Alice' });
    expect(await api.user(other.id)).toMatchObject({ id: other.id, username: 'alice', bot: false });
    await expect(api.user(9999)).rejects.toBeInstanceOf(GitLabNotFoundError);
  });

  it('finds a project by id and by its full path, with its clone URL and default branch', async () => {
    const byId = await api.project(project.id);
    const byPath = await api.project('acme/platform/app');
    expect(byPath).toEqual(byId);
    expect(byId).toMatchObject({
      id: project.id,
      pathWithNamespace: 'acme/platform/app',
      defaultBranch: 'main',
      httpUrlToRepo: `${gitlab.url}/acme/platform/app.git`,
      visibility: 'private',
    });
    // gitbeaker encodes the path as one segment, as GitLab requires.
    expect(gitlab.requestsTo('projects.show').map((r) => r.path)).toContain(
      '/api/v4/projects/acme%2Fplatform%2Fapp',
    );
  });

  it('does not reveal a private project the bot is no member of', async () => {
    const err = await api.project(hidden.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLabNotFoundError);
    expect((err as GitLabNotFoundError).gitlabMessage).toBe('404 Project Not Found');
    expect((err as Error).message).toContain(`project ${hidden.id}`);
  });
});

describe('reading the pipeline file', () => {
  it('returns a file at a branch, at a sha and at a tag, and nested paths', async () => {
    const first = await gitlab.resolve(project, 'main');
    const second = await gitlab.commit(project, {
      files: { '.drone.yml': 'pipeline:\n  test:\n    image: alpine\n' },
      message: 'Use alpine',
    });
    await gitlab.createTag(project, 'v1.0.0', first);
    expect(await api.fileRaw(project.id, '.drone.yml', 'main')).toBe(
      'pipeline:\n  test:\n    image: alpine\n',
    );
    expect(await api.fileRaw(project.id, '.drone.yml', first)).toBe(
      'pipeline:\n  test:\n    image: busybox\n',
    );
    expect(await api.fileRaw(project.id, '.drone.yml', second.sha)).toContain('alpine');
    expect(await api.fileRaw(project.id, '.drone.yml', 'v1.0.0')).toContain('busybox');
    expect(await api.fileRaw('acme/platform/app', 'ci/build.yml', 'main')).toBe('kind: pipeline\n');
  });

  it('returns null for a missing file or an unknown ref, and throws for a missing project', async () => {
    expect(await api.fileRaw(project.id, 'nope.yml', 'main')).toBeNull();
    expect(await api.fileRaw(project.id, '.drone.yml', 'no-such-branch')).toBeNull();
    expect(await api.fileRaw(project.id, '.drone.yml', 'f'.repeat(40))).toBeNull();
    await expect(api.fileRaw(hidden.id, 'README.md', 'main')).rejects.toBeInstanceOf(GitLabNotFoundError);
  });

  it('keeps a file byte for byte, non-ASCII text included', async () => {
    const text = '{"kind": "pipeline"}\n# ünïcödé ✓\n';
    await gitlab.commit(project, { files: { 'pipeline.json': text }, message: 'json' });
    expect(await api.fileRaw(project.id, 'pipeline.json', 'main')).toBe(text);
  });
});
