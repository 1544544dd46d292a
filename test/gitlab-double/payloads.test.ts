import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitLabApi } from '../../services/gitlab-bot/gitlab/index.js';
import {
  deliver,
  fixture,
  GitLabDouble,
  mergeRequestPayload,
  notePayload,
  type Project,
  pushPayload,
  Role,
  tagPushPayload,
  type User,
  ZERO_SHA,
} from './index.js';

let gitlab: GitLabDouble;
let alice: User;
let project: Project;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  alice = gitlab.addUser({ username: 'alice', name: 'Alice Example' });
  project = await gitlab.createProject({
    path: 'acme/app',
    files: { '.drone.yml': 'pipeline: {}\n' },
    author: alice,
  });
  gitlab.addMember(project, alice, Role.developer);
});
afterAll(async () => {
  await gitlab?.close();
});

/** Every key path of a JSON value; a list of objects contributes the paths of its first element. */
function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value))
    return value[0] && typeof value[0] === 'object' ? shape(value[0], `${prefix}[]`) : [];
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...shape(v, `${prefix}.${k}`)]);
  }
  return [];
}

/**
 * Key paths to compare with a fixture: what is inside `changes` (it depends on
 * what changed), labels, assignees and reviewers (the double has none) is left out.
 */
const comparable = (value: unknown) =>
  shape(value).filter((p) => !/^\.changes\.|labels\[\]|^\.(assignees|reviewers)\[\]|\.assignee\./.test(p));

describe('webhook payloads', () => {
  it("builds a Push Hook with the fixture's keys, the double's project and the pushed commits from git", async () => {
    const before = await gitlab.resolve(project, 'main');
    const c1 = await gitlab.commit(project, {
      files: { 'a.txt': 'a' },
      message: 'Add a\n\nbody',
      author: alice,
    });
    const c2 = await gitlab.commit(project, {
      files: { 'a.txt': 'A', '.drone.yml': null },
      message: 'Change a',
      author: alice,
    });
    const payload = await pushPayload(gitlab, project, { ref: 'main', before, after: c2.sha, user: alice });
    expect(shape(payload)).toEqual(shape(fixture('push')));
    expect(payload).toMatchObject({
      object_kind: 'push',
      before,
      after: c2.sha,
      checkout_sha: c2.sha,
      ref: 'refs/heads/main',
      user_username: 'alice',
      project_id: project.id,
      project: {
        id: project.id,
        path_with_namespace: 'acme/app',
        git_http_url: `${gitlab.url}/acme/app.git`,
      },
      total_commits_count: 2,
    });
    expect(payload.commits).toMatchObject([
      {
        id: c1.sha,
        title: 'Add a',
        message: 'Add a\n\nbody\n',
        added: ['a.txt'],
        author: { name: 'Alice Example' },
      },
      { id: c2.sha, modified: ['a.txt'], removed: ['.drone.yml'] },
    ]);
  });

  it('builds a branch deletion push and Tag Push Hooks for a new and a deleted tag', async () => {
    const head = await gitlab.resolve(project, 'main');
    const deletion = await pushPayload(gitlab, project, {
      ref: 'old',
      before: head,
      after: ZERO_SHA,
      user: alice,
    });
    expect(deletion).toMatchObject({
      after: ZERO_SHA,
      checkout_sha: null,
      commits: [],
      total_commits_count: 0,
    });
    const tag = await tagPushPayload(gitlab, project, { tag: 'v1.2.0', after: head, user: alice });
    expect(shape(tag)).toEqual(shape(fixture('tag_push')));
    expect(tag).toMatchObject({
      ref: 'refs/tags/v1.2.0',
      before: ZERO_SHA,
      checkout_sha: head,
      project_id: project.id,
    });
    const untag = await tagPushPayload(gitlab, project, {
      tag: 'v1.2.0',
      before: head,
      after: ZERO_SHA,
      user: alice,
    });
    expect(untag.checkout_sha).toBeNull();
  });

  it('builds Merge Request Hooks for open, update with and without new commits, and close', async () => {
    const old = (
      await gitlab.commit(project, { branch: 'feat', from: 'main', files: { f: '1' }, message: 'one' })
    ).sha;
    const mr = await gitlab.createMergeRequest({
      project,
      sourceBranch: 'feat',
      title: 'Feat',
      author: alice,
    });
    const open = await mergeRequestPayload(gitlab, mr, { action: 'open', user: alice });
    expect(comparable(open)).toEqual(comparable(fixture('merge_request')));
    expect(open.object_attributes).toMatchObject({
      iid: mr.iid,
      action: 'open',
      state: 'opened',
      source_branch: 'feat',
      target_branch: 'main',
      source_project_id: project.id,
      target_project_id: project.id,
      last_commit: { id: old, title: 'one' },
      url: `${gitlab.url}/acme/app/-/merge_requests/${mr.iid}`,
    });
    expect(open.object_attributes).not.toHaveProperty('oldrev');

    const next = (await gitlab.commit(project, { branch: 'feat', files: { f: '2' }, message: 'two' })).sha;
    const pushed = await mergeRequestPayload(gitlab, mr, { action: 'update', user: alice, oldrev: old });
    expect(pushed.object_attributes).toMatchObject({
      action: 'update',
      oldrev: old,
      last_commit: { id: next },
    });
    const retitled = await mergeRequestPayload(gitlab, mr, {
      action: 'update',
      user: alice,
      changes: { title: { previous: 'Feat', current: 'Feature' } },
    });
    expect(retitled.object_attributes).not.toHaveProperty('oldrev');
    expect(retitled.changes).toEqual({ title: { previous: 'Feat', current: 'Feature' } });

    gitlab.setMergeRequestState(mr, 'closed');
    const closed = await mergeRequestPayload(gitlab, mr, { action: 'close', user: alice });
    expect(closed.object_attributes).toMatchObject({ action: 'close', state: 'closed', state_id: 2 });
  });

  it('builds a Note Hook for a comment on a merge request, from a fork', async () => {
    const fork = await gitlab.createProject({ path: 'bob/app', files: { '.drone.yml': 'pipeline: {}\n' } });
    const head = (
      await gitlab.commit(fork, { branch: 'fix', from: 'main', files: { x: '1' }, message: 'fix' })
    ).sha;
    const mr = await gitlab.createMergeRequest({
      project,
      sourceProject: fork,
      sourceBranch: 'fix',
      author: alice,
    });
    const note = gitlab.addNote(mr, { author: alice, body: '/hangar retry build' });
    const payload = await notePayload(gitlab, mr, note);
    expect(comparable(payload)).toEqual(comparable(fixture('note_merge_request')));
    expect(payload).toMatchObject({
      object_kind: 'note',
      user: { id: alice.id, username: 'alice' },
      project_id: project.id,
      object_attributes: {
        id: note.id,
        note: '/hangar retry build',
        noteable_type: 'MergeRequest',
        noteable_id: mr.id,
        system: false,
        action: 'create',
      },
      merge_request: {
        iid: mr.iid,
        source_project_id: fork.id,
        target_project_id: project.id,
        last_commit: { id: head },
        source: { path_with_namespace: 'bob/app' },
        target: { path_with_namespace: 'acme/app' },
      },
    });
  });
});

describe('webhook delivery', () => {
  let receiver: Server;
  let url: string;
  const received: { headers: IncomingHttpHeaders; body: unknown }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const addr = receiver.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver?.close(() => r()));
  });

  it("sends events to the hooks that subscribed, with GitLab's headers, and resends with the same keys", async () => {
    const maintainer = gitlab.addUser({ username: 'maint' });
    gitlab.addMember(project, maintainer, Role.maintainer);
    const api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(maintainer) });
    const hook = await api.createProjectHook(project.id, {
      url,
      token: 'hook-secret',
      pushEvents: true,
      tagPushEvents: false,
      mergeRequestsEvents: true,
      noteEvents: true,
      enableSslVerification: false,
    });
    api.close();
    const head = await gitlab.resolve(project, 'main');
    const tag = await tagPushPayload(gitlab, project, { tag: 'v9', after: head, user: alice });
    expect(await deliver(gitlab, project, 'Tag Push Hook', tag)).toEqual([]); // not subscribed
    const push = await pushPayload(gitlab, project, {
      ref: 'main',
      before: ZERO_SHA,
      after: head,
      user: alice,
    });
    const [first] = await deliver(gitlab, project, 'Push Hook', push);
    expect(first?.status).toBe(200);
    const [again] = await deliver(gitlab, project, 'Push Hook', push, first?.ids);
    expect(received).toHaveLength(2);
    const h = received[0]?.headers ?? {};
    expect(h['x-gitlab-event']).toBe('Push Hook');
    expect(h['x-gitlab-token']).toBe('hook-secret');
    expect(h['x-gitlab-instance']).toBe(gitlab.url);
    expect(h['x-gitlab-webhook-uuid']).toBe(project.hooks.find((x) => x.id === hook.id)?.uuid);
    expect(h['x-gitlab-event-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(received[1]?.headers['idempotency-key']).toBe(h['idempotency-key']);
    expect(again?.ids).toEqual(first?.ids);
    expect(received[0]?.body).toEqual(push);
  });
});
