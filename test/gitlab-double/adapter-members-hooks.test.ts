import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessLevel,
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
  project = await gitlab.createProject({ path: 'acme/backend/app', files: { 'README.md': '# app\n' } });
  gitlab.addMember(project, bot, Role.maintainer);
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

describe('project membership', () => {
  it('reports direct, inherited and missing memberships', async () => {
    const dev = gitlab.addUser({ username: 'dev' });
    const lead = gitlab.addUser({ username: 'lead' });
    const outsider = gitlab.addUser({ username: 'outsider' });
    gitlab.addMember(project, dev, Role.developer);
    gitlab.addGroupMember('acme', lead, Role.maintainer);
    gitlab.addGroupMember('acme/backend', dev, Role.reporter); // lower than the direct role: direct wins
    expect(await api.memberAccessLevel(project.id, dev.id)).toBe(AccessLevel.developer);
    expect(await api.memberAccessLevel('acme/backend/app', lead.id)).toBe(AccessLevel.maintainer);
    expect(await api.memberAccessLevel(project.id, outsider.id)).toBeNull();
    expect(await api.memberAccessLevel(project.id, 123_456)).toBeNull();
    expect(gitlab.requestsTo('members.all.show').at(-1)?.path).toBe(
      `/api/v4/projects/${project.id}/members/all/123456`,
    );
  });

  it('throws, rather than answering "not a member", when the project itself is missing', async () => {
    await expect(api.memberAccessLevel(424_242, bot.id)).rejects.toBeInstanceOf(GitLabNotFoundError);
  });
});

describe('project hooks', () => {
  const hook = {
    url: 'https://hangar.example.test/hook',
    token: 's3cret-hook-token',
    pushEvents: true,
    tagPushEvents: true,
    mergeRequestsEvents: true,
    noteEvents: true,
    enableSslVerification: true,
  };

  it('creates a hook with the events Hangar needs, lists it, and deletes it once', async () => {
    const created = await api.createProjectHook(project.id, hook);
    const { token, ...shown } = hook;
    expect(created).toEqual({ ...shown, id: expect.any(Number) });
    expect(project.hooks[0]?.token).toBe(token);
    expect(gitlab.requestsTo('hooks.create').at(-1)?.body).toMatchObject({ token, note_events: true });
    // GitLab never returns the token.
    const raw = await fetch(`${gitlab.url}/api/v4/projects/${project.id}/hooks`, {
      headers: { 'private-token': gitlab.issueToken(bot) },
    });
    expect(await raw.text()).not.toContain(token);
    const listed = await api.listProjectHooks(project.id);
    expect(listed.map((h) => h.id)).toEqual([created.id]);
    expect(await api.deleteProjectHook(project.id, created.id)).toBe(true);
    expect(await api.deleteProjectHook(project.id, created.id)).toBe(false);
    expect(await api.listProjectHooks(project.id)).toEqual([]);
  });

  it("refuses a URL GitLab cannot call, carrying GitLab's reason", async () => {
    const err = await api
      .createProjectHook(project.id, { ...hook, url: 'ftp://nope' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLabRejectedError);
    expect((err as GitLabRejectedError).status).toBe(422);
    expect((err as GitLabRejectedError).gitlabMessage).toBe('Invalid url given');
  });

  it('tells a Developer bot that hooks need the Maintainer role', async () => {
    const dev = gitlab.addUser({ username: 'dev-bot' });
    gitlab.addMember(project, dev, Role.developer);
    const weak = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(dev) });
    const err = await weak.createProjectHook(project.id, hook).catch((e: unknown) => e);
    weak.close();
    expect(err).toBeInstanceOf(GitLabAuthError);
    expect((err as Error).message).toMatch(
      /needs the 'api' scope and the bot user needs the Maintainer role/,
    );
    expect(project.hooks).toEqual([]);
  });
});
