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
  bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot) });
  const alice = gitlab.addUser({ username: 'alice', name: 'Alice Doe' });
  project = await gitlab.createProject({ path: 'acme/app', files: { 'a.txt': 'a\n' }, author: alice });
  gitlab.addMember(project, bot, Role.reporter);
  hidden = await gitlab.createProject({ path: 'other/secret', files: { 'a.txt': 'a\n' } });
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

describe('reading a commit', () => {
  it('resolves a branch, a tag or a sha to the commit with its message and author', async () => {
    await gitlab.createBranch(project, 'feature/x', 'main');
    const c = await gitlab.commit(project, {
      branch: 'feature/x',
      files: { 'b.txt': 'b\n' },
      message: 'Add b\n\nbody',
    });
    await gitlab.createTag(project, 'v1.0', c.sha);
    const byBranch = await api.commit(project.id, 'feature/x');
    expect(byBranch).toEqual({
      sha: c.sha,
      title: 'Add b',
      message: 'Add b\n\nbody\n',
      authorName: 'GitLab Double',
      authorEmail: 'double@example.test',
      webUrl: `${gitlab.url}/acme/app/-/commit/${c.sha}`,
    });
    expect(await api.commit('acme/app', 'v1.0')).toEqual(byBranch);
    expect((await api.commit(project.id, c.sha.slice(0, 10)))?.sha).toBe(c.sha);
    const first = await api.commit(project.id, 'main');
    expect(first).toMatchObject({ title: 'Initial commit', authorName: 'Alice Doe' });
  });

  it('answers null for a ref that names no commit, and throws for a project the bot cannot see', async () => {
    expect(await api.commit(project.id, 'no-such-branch')).toBeNull();
    await expect(api.commit(hidden.id, 'main')).rejects.toBeInstanceOf(GitLabNotFoundError);
  });
});
