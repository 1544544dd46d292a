/**
 * GitLab keeps a merge request's head in the target project under
 * `refs/merge-requests/<iid>/head`, fetched from the fork when the merge
 * request comes from one. A commit status (or a file read) on the target
 * project for a fork's commit works only through that ref, as on GitLab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGitLabApi,
  type GitLabApi,
  GitLabNotFoundError,
} from '../../services/gitlab-bot/gitlab/index.js';
import { GitLabDouble, Role } from './index.js';

let gitlab: GitLabDouble;
let api: GitLabApi;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  const bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot) });
  const project = await gitlab.createProject({ path: 'acme/app', files: { 'a.txt': 'a' } });
  gitlab.addMember(project, bot, Role.maintainer);
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

describe("a fork's merge request in the target project", () => {
  it('takes statuses and file reads for the fork commit only once the merge request ref holds it', async () => {
    const project = gitlab.state.projectByPath('acme/app');
    if (!project) throw new Error('no project');
    const forker = gitlab.addUser({ username: 'forker' });
    const fork = await gitlab.createProject({ path: 'forker/app', files: { 'a.txt': 'a' }, author: forker });
    const first = await gitlab.commit(fork, { files: { 'b.txt': 'from the fork' }, message: 'Fork work' });
    const status = { sha: first.sha, state: 'pending' as const, name: 'hangar/test', description: 'queued' };

    await expect(api.createCommitStatus(project.id, { ...status, ref: 'main' })).rejects.toBeInstanceOf(
      GitLabNotFoundError,
    );
    expect(await api.fileRaw(project.id, 'b.txt', first.sha)).toBeNull();

    const mr = await gitlab.createMergeRequest({
      project,
      sourceProject: fork,
      sourceBranch: 'main',
      author: forker,
    });
    const ref = `refs/merge-requests/${mr.iid}/head`;
    const posted = await api.createCommitStatus(project.id, { ...status, ref });
    expect(posted).toMatchObject({ status: 'pending', ref });
    expect(await api.fileRaw(project.id, 'b.txt', first.sha)).toBe('from the fork');

    // New commits on the fork's branch move the ref, as GitLab's merge-request refresh does.
    const second = await gitlab.commit(fork, { files: { 'b.txt': 'more' }, message: 'More fork work' });
    expect(await gitlab.resolve(project, ref)).toBe(second.sha);
    expect(await api.createCommitStatus(project.id, { ...status, sha: second.sha, ref })).toMatchObject({
      status: 'pending',
    });
    expect(gitlab.statusesOf(fork, first.sha)).toEqual([]);
  });
});
