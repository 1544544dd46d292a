import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGitLabApi,
  type GitLabApi,
  GitLabAuthError,
  GitLabNotFoundError,
} from '../../services/gitlab-bot/gitlab/index.js';
import { GitLabDouble, type MergeRequest, type Project, Role, type User } from './index.js';

let gitlab: GitLabDouble;
let api: GitLabApi;
let bot: User;
let alice: User;
let project: Project;
let mr: MergeRequest;

beforeAll(async () => {
  gitlab = await GitLabDouble.start();
  bot = gitlab.addUser({ username: 'hangar-bot', bot: true });
  alice = gitlab.addUser({ username: 'alice', name: 'Alice' });
  api = createGitLabApi({ url: gitlab.url, token: gitlab.issueToken(bot) });
  project = await gitlab.createProject({ path: 'acme/app', files: { '.drone.yml': 'pipeline: {}\n' } });
  gitlab.addMember(project, bot, Role.developer);
  gitlab.addMember(project, alice, Role.developer);
  await gitlab.commit(project, {
    branch: 'feature',
    from: 'main',
    files: { 'a.txt': 'a' },
    message: 'feature work',
  });
  mr = await gitlab.createMergeRequest({ project, sourceBranch: 'feature', title: 'Add a', author: alice });
});
afterAll(async () => {
  api?.close();
  await gitlab?.close();
});

describe('merge requests', () => {
  it("reports the source branch's head, and follows new commits", async () => {
    const before = await api.mergeRequest(project.id, mr.iid);
    expect(before).toMatchObject({
      iid: mr.iid,
      sourceBranch: 'feature',
      targetBranch: 'main',
      sourceProjectId: project.id,
      targetProjectId: project.id,
      state: 'opened',
      title: 'Add a',
      author: { id: alice.id, username: 'alice' },
      webUrl: `${gitlab.url}/acme/app/-/merge_requests/${mr.iid}`,
    });
    expect(before.sha).toBe(await gitlab.resolve(project, 'feature'));
    const next = await gitlab.commit(project, {
      branch: 'feature',
      files: { 'b.txt': 'b' },
      message: 'more',
    });
    expect((await api.mergeRequest(project.id, mr.iid)).sha).toBe(next.sha);
    await expect(api.mergeRequest(project.id, 404)).rejects.toBeInstanceOf(GitLabNotFoundError);
  });

  it('creates the summary note, edits it in place, and lists every note oldest first', async () => {
    gitlab.addNote(mr, { author: alice, body: 'looks good' });
    const summary = await api.createMergeRequestNote(
      project.id,
      mr.iid,
      '<!-- hangar:summary -->\nbuild pending',
    );
    expect(summary).toMatchObject({ author: { id: bot.id }, system: false });
    const edited = await api.editMergeRequestNote(
      project.id,
      mr.iid,
      summary.id,
      '<!-- hangar:summary -->\nbuild passed',
    );
    expect(edited.id).toBe(summary.id);
    expect(edited.body).toContain('build passed');
    const notes = await api.listMergeRequestNotes(project.id, mr.iid);
    expect(notes.map((n) => n.body)).toEqual(['looks good', '<!-- hangar:summary -->\nbuild passed']);
  });

  it('lists notes across several pages', async () => {
    const busy = await gitlab.createMergeRequest({
      project,
      sourceBranch: 'feature',
      title: 'Busy',
      author: alice,
    });
    for (let i = 0; i < 230; i++) gitlab.addNote(busy, { author: alice, body: `comment ${i}` });
    const before = gitlab.requestsTo('notes.list').length;
    const notes = await api.listMergeRequestNotes(project.id, busy.iid);
    expect(notes).toHaveLength(230);
    expect(notes[0]?.body).toBe('comment 0');
    expect(notes[229]?.body).toBe('comment 229');
    expect(gitlab.requestsTo('notes.list').length - before).toBe(3);
  });

  it("refuses to edit somebody else's note", async () => {
    const theirs = gitlab.addNote(mr, { author: alice, body: '/hangar retry' });
    const err = await api
      .editMergeRequestNote(project.id, mr.iid, theirs.id, 'hijacked')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLabAuthError);
    expect((err as GitLabAuthError).status).toBe(403);
    expect(mr.notes.find((n) => n.id === theirs.id)?.body).toBe('/hangar retry');
  });

  it('awards an emoji once; a second award of the same emoji is reported as already there', async () => {
    const command = gitlab.addNote(mr, { author: alice, body: '/hangar run' });
    const award = await api.awardNoteEmoji(project.id, mr.iid, command.id, 'eyes');
    expect(award).toMatchObject({ name: 'eyes', user: { id: bot.id } });
    expect(await api.awardNoteEmoji(project.id, mr.iid, command.id, 'eyes')).toBeNull();
    expect(command.awards.map((a) => a.name)).toEqual(['eyes']);
    await api.awardNoteEmoji(project.id, mr.iid, command.id, 'white_check_mark');
    expect(command.awards.map((a) => a.name)).toEqual(['eyes', 'white_check_mark']);
    await expect(api.awardNoteEmoji(project.id, mr.iid, 999_999, 'eyes')).rejects.toBeInstanceOf(
      GitLabNotFoundError,
    );
  });
});
