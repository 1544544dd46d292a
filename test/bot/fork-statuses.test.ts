/**
 * Statuses of merge requests from forks, and statuses GitLab refuses for
 * good. The bot usually has no role in a fork (GitLab answers 404 for a
 * private one, 403 for a public one), so a fork build's statuses go on the
 * merge request's head in the target project (`refs/merge-requests/<iid>/head`),
 * where the merge request page shows them. A status GitLab refuses for good
 * is not retried without end: it is given up and the outbox keeps the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredStatus } from '../../services/gitlab-bot/statuses/describe.js';
import { mergeRequestPayload, notePayload, Role } from '../gitlab-double/index.js';
import { BotCluster, pipeline, waitFor } from './harness.js';

let c: BotCluster;

beforeAll(async () => {
  c = await BotCluster.start();
});

afterAll(async () => {
  await c?.dispose();
});

/** A user's fork of the project (a one-step pipeline), a commit on it, and a merge request from it. */
async function forkMergeRequest(
  username: string,
  commit: { visibility?: 'private'; files: Record<string, string>; message: string },
) {
  const outsider = c.gitlab.addUser({ username });
  const fork = await c.gitlab.createProject({
    path: `${username}/app`,
    ...(commit.visibility ? { visibility: commit.visibility } : {}),
    files: { '.drone.yml': pipeline('default', [{ name: 'test', commands: ['echo fork'] }]) },
    author: outsider,
  });
  c.gitlab.addMember(fork, outsider, Role.owner);
  const head = await c.gitlab.commit(fork, { files: commit.files, message: commit.message });
  const mr = await c.gitlab.createMergeRequest({
    project: c.project,
    sourceProject: fork,
    sourceBranch: 'main',
    author: outsider,
  });
  return { outsider, fork, head, mr };
}

describe('a merge request from a private fork the bot cannot see', () => {
  it('gets its waiting and build statuses on the merge request, and nothing is asked of the fork', async () => {
    const { outsider, fork, head, mr } = await forkMergeRequest('forker', {
      visibility: 'private',
      files: { 'fork.txt': 'x' },
      message: 'Fork work',
    });
    const mrRef = `refs/merge-requests/${mr.iid}/head`;
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'open', user: outsider }),
    );
    const waiting = await waitFor('the waiting status on the merge request', () =>
      c.gitlab.statusesOf(c.project, head.sha).find((s) => s.name === 'hangar'),
    );
    expect(waiting).toMatchObject({ status: 'pending', ref: mrRef });

    const note = c.gitlab.addNote(mr, { author: c.developer, body: '/hangar approve' });
    await c.deliver('Note Hook', await notePayload(c.gitlab, mr, note));
    const build = await waitFor('the approved build', async () =>
      (await c.listBuilds()).find((b) => b.mergeRequestIid === mr.iid),
    );
    expect(build).toMatchObject({ fork: true, sha: head.sha });
    const pipelineStatus = await waitFor('the build status on the merge request', () =>
      c.gitlab.statusesOf(c.project, head.sha).find((s) => s.name === 'hangar/default'),
    );
    expect(pipelineStatus).toMatchObject({ status: 'pending', ref: mrRef });
    await waitFor('the waiting status to end', () =>
      c.gitlab.statusesOf(c.project, head.sha).find((s) => s.name === 'hangar' && s.status === 'success'),
    );
    const toFork = c.gitlab.requests.filter(
      (r) =>
        r.path.includes(`/projects/${fork.id}/`) ||
        r.path.includes(encodeURIComponent(fork.pathWithNamespace)),
    );
    expect(toFork).toEqual([]);
    expect(await c.coordinator.store.outbox.refused(10)).toEqual([]);
  });
});

describe('comments on a merge request from a private fork', () => {
  it('/hangar cancel ends the waiting status on the merge request; /hangar run builds the head', async () => {
    const { outsider, head, mr } = await forkMergeRequest('forker2', {
      files: { 'two.txt': '2' },
      message: 'More fork work',
    });
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'open', user: outsider }),
    );
    await waitFor('the waiting status', () =>
      c.gitlab.statusesOf(c.project, head.sha).find((s) => s.name === 'hangar'),
    );
    const cancel = c.gitlab.addNote(mr, { author: c.developer, body: '/hangar cancel' });
    await c.deliver('Note Hook', await notePayload(c.gitlab, mr, cancel));
    const ended = await waitFor('the waiting status to be cancelled', () =>
      c.gitlab.statusesOf(c.project, head.sha).find((s) => s.name === 'hangar' && s.status === 'canceled'),
    );
    expect(ended.ref).toBe(`refs/merge-requests/${mr.iid}/head`);

    const runNote = c.gitlab.addNote(mr, { author: c.developer, body: '/hangar run' });
    await c.deliver('Note Hook', await notePayload(c.gitlab, mr, runNote));
    const build = await waitFor('the build /hangar run started', async () =>
      (await c.listBuilds()).find((b) => b.mergeRequestIid === mr.iid),
    );
    expect(build).toMatchObject({ sha: head.sha, fork: true, message: 'More fork work\n' });
    await waitFor('its status on the merge request', () =>
      c.gitlab
        .statusesOf(c.project, head.sha)
        .find((s) => s.name === 'hangar/default' && s.ref === `refs/merge-requests/${mr.iid}/head`),
    );
  });
});

describe('a status GitLab refuses for good', () => {
  const target = (projectId: number, sha: string) => ({
    projectId,
    sha,
    ref: 'main',
    repoId: c.repo.id,
    buildNumber: 0,
  });
  const status: DesiredStatus = {
    name: 'hangar/refused',
    state: 'pending',
    description: 'waiting for a runner',
    targetUrl: '',
  };

  it('on a commit GitLab does not have (404) is tried once and kept with the reason', async () => {
    const missing = 'f'.repeat(40);
    await c.bot.services.statuses.publish(target(c.project.id, missing), status);
    const [refused] = await waitFor('the status to be given up', async () => {
      const list = await c.coordinator.store.outbox.refused(10);
      return list.some((e) => e.sha === missing) ? list.filter((e) => e.sha === missing) : undefined;
    });
    expect(refused).toMatchObject({ projectId: c.project.id, name: 'hangar/refused', state: 'pending' });
    expect(refused?.lastError).toMatch(/not found|Not Found/);
    expect(c.gitlab.requestsTo('statuses.create').filter((r) => r.path.includes(missing))).toHaveLength(1);
    expect(await c.coordinator.store.outbox.size()).toBe(0);
  });

  it('on a project where the bot may not post (403) is tried a bounded number of times, then kept with the reason', async () => {
    const other = await c.gitlab.createProject({ path: 'acme/other', files: { 'a.txt': 'a' } });
    c.gitlab.addMember(other, c.botUser, Role.reporter);
    const sha = await c.gitlab.resolve(other, 'main');
    await c.bot.services.statuses.publish(target(other.id, sha), status);
    const refused = await waitFor(
      'the status to be given up',
      async () => (await c.coordinator.store.outbox.refused(10)).find((e) => e.sha === sha),
      30_000,
    );
    expect(refused.lastError).toMatch(/403/);
    const tries = c.gitlab.requestsTo('statuses.create').filter((r) => r.path.includes(sha));
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.every((r) => r.status === 403)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(c.gitlab.requestsTo('statuses.create').filter((r) => r.path.includes(sha))).toHaveLength(
      tries.length,
    );
    expect(await c.coordinator.store.outbox.size()).toBe(0);
  });
});
