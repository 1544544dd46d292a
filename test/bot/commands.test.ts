/**
 * Comment commands end to end: a comment in the GitLab double becomes a Note
 * Hook delivered to the real bot, which talks to the real coordinator, whose
 * builds a real runner runs on Docker. Assertions are on what a person sees:
 * builds, reply notes and award emoji.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliver,
  type MergeRequest,
  mergeRequestPayload,
  type Note,
  notePayload,
  type Project,
  Role,
  type User,
} from '../gitlab-double/index.js';
import { BotWorld, pipelineDoc, waitFor } from './api-harness.js';

const FAILING = `${pipelineDoc('lint', { check: ['echo lint ok'] })}---\n${pipelineDoc('test', {
  unit: ['echo about to fail', 'exit 2'],
})}`;

let w: BotWorld;
let mr: MergeRequest;

async function openMergeRequest(opts: {
  branch: string;
  files?: Record<string, string>;
  sourceProject?: Project;
  author: User;
}): Promise<MergeRequest> {
  const source = opts.sourceProject ?? w.project;
  if (opts.files) {
    await w.gitlab.createBranch(source, opts.branch, 'main');
    await w.gitlab.commit(source, {
      branch: opts.branch,
      files: opts.files,
      message: `Work on ${opts.branch}`,
    });
  }
  const m = await w.gitlab.createMergeRequest({
    project: w.project,
    sourceBranch: opts.branch,
    ...(opts.sourceProject ? { sourceProject: opts.sourceProject } : {}),
    author: opts.author,
  });
  const payload = await mergeRequestPayload(w.gitlab, m, { action: 'open', user: opts.author });
  const [d] = await deliver(w.gitlab, w.project, 'Merge Request Hook', payload);
  expect(d?.status).toBe(202);
  return m;
}

/** Every delivery the bot accepted has been worked on. */
async function settled(): Promise<void> {
  await waitFor(
    'webhook deliveries to be handled',
    async () => (await w.store.deliveries.queued(100)).length === 0,
  );
}

/** Writes a comment as `author` and delivers its Note Hook; returns the note. */
async function comment(m: MergeRequest, author: User, body: string): Promise<Note> {
  const note = w.gitlab.addNote(m, { author, body });
  const [d] = await deliver(w.gitlab, w.project, 'Note Hook', await notePayload(w.gitlab, m, note));
  expect(d?.status).toBe(202);
  return note;
}

/** The bot's reply to a comment (the first note the bot wrote after it). */
async function replyTo(m: MergeRequest, note: Note): Promise<Note> {
  const at = m.notes.indexOf(note);
  const reply = await waitFor('the bot to reply', () => w.botNotes(m, at + 1)[0]);
  // The final award comes right after the reply.
  await waitFor('the final award emoji', () => note.awards.length >= 2);
  return reply;
}

beforeAll(async () => {
  w = await BotWorld.start({ runner: true });
  await w.enable();
  mr = await openMergeRequest({ branch: 'feature', files: { '.drone.yml': FAILING }, author: w.developer });
  const first = await waitFor('the merge request build', async () => (await w.builds())[0]);
  expect(first).toMatchObject({ number: 1, event: 'pull_request', mergeRequestIid: mr.iid });
  expect((await w.finished(1)).status).toBe('failure');
});

afterAll(async () => {
  await w?.dispose();
});

describe('/hangar retry', () => {
  it('by a Developer runs the failed pipeline again as a new build and says so', async () => {
    const note = await comment(mr, w.developer, 'Flaky, trying again.\n\n/hangar retry');
    const reply = await replyTo(mr, note);
    expect(reply.body).toContain('@dev `/hangar retry`: restarted `test` of [build #1]');
    expect(reply.body).toContain(`[build #2](${w.url}/acme/app/2)`);
    expect(w.awards(note)).toEqual(['eyes', 'thumbsup']);

    const repo = await w.store.repos.bySlug('acme/app');
    const retried = await w.finished(2);
    expect(retried).toMatchObject({ event: 'pull_request', mergeRequestIid: mr.iid, status: 'failure' });
    expect(retried.parentId).toBe((await w.store.builds.byNumber(repo?.id ?? 0, 1))?.id);
    const jobs = await w.store.jobs.listByBuild(retried.id);
    const ran = jobs.filter((j) => j.status !== 'skipped').map((j) => j.name);
    expect(ran).toEqual(['test']);
  });

  it('by a Reporter is refused with a reply naming the Developer role, and nothing runs', async () => {
    const before = (await w.builds()).length;
    const note = await comment(mr, w.reporter, '/hangar retry');
    const reply = await replyTo(mr, note);
    expect(reply.body).toBe(
      '@rep `/hangar retry`: needs the Developer role or higher on acme/app; you have Reporter. Nothing was done.',
    );
    expect(w.awards(note)).toEqual(['eyes', 'confused']);
    expect(await w.builds()).toHaveLength(before);
  });

  it('of a pipeline that does not exist names the ones that do', async () => {
    const note = await comment(mr, w.maintainer, '/hangar retry deploy');
    const reply = await replyTo(mr, note);
    expect(reply.body).toMatch(
      /\[build #2\]\(.*\) has no pipeline `deploy`; its pipelines are `lint` and `test`\.$/,
    );
  });
});

describe('comments that are not commands', () => {
  it('a quoted command or one inside a code fence does nothing', async () => {
    const before = { builds: (await w.builds()).length, replies: w.botNotes(mr).length };
    const note = await comment(
      mr,
      w.developer,
      '> /hangar retry\n\nTo rerun, write:\n\n```\n/hangar retry\n```\nor `/hangar retry` inline.',
    );
    await settled();
    expect(w.botNotes(mr)).toHaveLength(before.replies);
    expect(note.awards).toEqual([]);
    expect(await w.builds()).toHaveLength(before.builds);
  });

  it("the bot's own note is ignored even when it holds a command", async () => {
    const before = { builds: (await w.builds()).length, replies: w.botNotes(mr).length };
    const note = await comment(mr, w.botUser, '/hangar retry');
    await settled();
    // Its own comment is the only new one.
    expect(w.botNotes(mr)).toHaveLength(before.replies + 1);
    expect(note.awards).toEqual([]);
    expect(await w.builds()).toHaveLength(before.builds);
  });
});

describe('notes that are not new comments on an open merge request', () => {
  it('an edited comment, a system note and a comment on a closed merge request do nothing', async () => {
    const before = { builds: (await w.builds()).length, replies: w.botNotes(mr).length };
    const edited = w.gitlab.addNote(mr, { author: w.developer, body: '/hangar run' });
    const payload = (await notePayload(w.gitlab, mr, edited)) as { object_attributes: { action: string } };
    payload.object_attributes.action = 'update';
    await deliver(w.gitlab, w.project, 'Note Hook', payload);
    const systemNote = w.gitlab.addNote(mr, { author: w.developer, body: '/hangar run', system: true });
    await deliver(w.gitlab, w.project, 'Note Hook', await notePayload(w.gitlab, mr, systemNote));

    const closed = await w.gitlab.createMergeRequest({
      project: w.project,
      sourceBranch: 'feature',
      author: w.developer,
    });
    w.gitlab.setMergeRequestState(closed, 'closed');
    const late = await comment(closed, w.developer, '/hangar run');
    await settled();
    for (const n of [edited, systemNote, late]) expect(n.awards).toEqual([]);
    expect(w.botNotes(closed)).toEqual([]);
    expect(await w.builds()).toHaveLength(before.builds);
    expect(w.botNotes(mr)).toHaveLength(before.replies);
  });
});

describe('/hangar help', () => {
  it('replies with every command', async () => {
    const note = await comment(mr, w.reporter, '/hangar help');
    const reply = await replyTo(mr, note);
    for (const usage of ['retry [PIPELINE]', 'cancel', 'run', 'approve', 'help']) {
      expect(reply.body).toContain(`| \`/hangar ${usage}\` |`);
    }
    expect(w.awards(note)).toEqual(['eyes', 'thumbsup']);
  });

  it('is the answer to a command Hangar does not know', async () => {
    const note = await comment(mr, w.developer, '/hangar deploy production');
    const reply = await replyTo(mr, note);
    expect(reply.body).toContain('Hangar does not know `deploy`.');
    expect(reply.body).toContain('| `/hangar approve` |');
    expect(w.awards(note)).toEqual(['eyes', 'confused']);
  });
});

describe('/hangar run and /hangar cancel', () => {
  it('run starts a new build of the head commit', async () => {
    const before = (await w.builds()).length;
    const note = await comment(mr, w.developer, '/hangar run');
    const reply = await replyTo(mr, note);
    const head = await w.gitlab.resolve(w.project, 'feature');
    const builds = await w.builds();
    expect(builds).toHaveLength(before + 1);
    const newest = builds[0];
    expect(newest).toMatchObject({
      sha: head,
      event: 'pull_request',
      mergeRequestIid: mr.iid,
      sender: 'dev',
    });
    expect(reply.body).toBe(
      `@dev \`/hangar run\`: started [build #${newest?.number}](${w.url}/acme/app/${newest?.number}) of ${head.slice(0, 8)}.`,
    );
    await w.finished(newest?.number ?? 0);
  });

  it('cancel stops the running build of the merge request', async () => {
    const slow = await openMergeRequest({
      branch: 'slow',
      files: { '.drone.yml': pipelineDoc('slow', { wait: ['sleep 120'] }) },
      author: w.developer,
    });
    const build = await waitFor('the slow build to run', async () => {
      const b = (await w.builds()).find((x) => x.mergeRequestIid === slow.iid);
      return b?.status === 'running' ? b : undefined;
    });
    const note = await comment(slow, w.maintainer, '/hangar cancel');
    const reply = await replyTo(slow, note);
    expect(reply.body).toBe(
      `@mona \`/hangar cancel\`: cancelled [build #${build.number}](${w.url}/acme/app/${build.number}).`,
    );
    expect((await w.finished(build.number, 30_000)).status).toBe('killed');

    const again = await comment(slow, w.maintainer, '/hangar cancel');
    expect((await replyTo(slow, again)).body).toContain('nothing to cancel');
  });
});

describe('/hangar approve', () => {
  it('by a Developer lets a held build of a fork run; an outsider cannot', async () => {
    const outsider = w.gitlab.addUser({ username: 'outsider' });
    const fork = await w.gitlab.createProject({
      path: 'outsider/app',
      visibility: 'public',
      files: { '.drone.yml': pipelineDoc('fork', { hello: ['echo from a fork'] }) },
      author: outsider,
    });
    w.gitlab.addMember(fork, outsider, Role.owner);
    const before = (await w.builds()).length;
    const forkMr = await openMergeRequest({ branch: 'main', sourceProject: fork, author: outsider });
    const [held] = await waitFor('the fork build to be held', async () => {
      const list = await w.store.heldBuilds.waiting(w.project.id, forkMr.iid);
      return list.length > 0 ? list : undefined;
    });
    expect(await w.builds()).toHaveLength(before);

    const denied = await comment(forkMr, outsider, '/hangar approve');
    expect((await replyTo(forkMr, denied)).body).toContain('you have no role');
    expect(await w.store.heldBuilds.waiting(w.project.id, forkMr.iid)).toHaveLength(1);

    const note = await comment(forkMr, w.developer, 'Looks harmless.\n/hangar approve');
    const reply = await replyTo(forkMr, note);
    const build = (await w.builds()).find((b) => b.mergeRequestIid === forkMr.iid);
    expect(build).toMatchObject({ fork: true, sha: held?.sha, event: 'pull_request' });
    expect(reply.body).toBe(
      `@dev \`/hangar approve\`: approved; started [build #${build?.number}](${w.url}/acme/app/${build?.number}) of ${held?.sha.slice(0, 8)}.`,
    );
    expect(await w.store.heldBuilds.waiting(w.project.id, forkMr.iid)).toEqual([]);
    expect((await w.store.heldBuilds.get(held?.id ?? 0))?.releasedBy).toBe('dev');
    expect((await w.finished(build?.number ?? 0)).status).toBe('success');
    // The bot has no role in the fork: the statuses are on the target project's merge-request ref,
    // which is what the merge request page shows, and none was tried on the fork.
    const sha = held?.sha ?? '';
    const onMr = await waitFor('the success status on the merge request', () => {
      const s = w.gitlab.statusesOf(w.project, sha).find((x) => x.name === 'hangar/fork');
      return s?.status === 'success' ? s : undefined;
    });
    expect(onMr.ref).toBe(`refs/merge-requests/${forkMr.iid}/head`);
    expect(w.gitlab.statusesOf(w.project, sha).find((x) => x.name === 'hangar')?.status).toBe('success');
    const toFork = (path: string) =>
      path.includes(`/projects/${fork.id}/`) || path.includes(encodeURIComponent(fork.pathWithNamespace));
    expect(w.gitlab.requestsTo('statuses.create').filter((r) => toFork(r.path))).toEqual([]);
  });
});
