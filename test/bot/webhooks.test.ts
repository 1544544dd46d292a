/**
 * Webhook intake and the event handlers, with GitLab's payloads delivered by
 * the GitLab double to the real bot, which asks the real coordinator for
 * builds (no runner: builds stay queued, which is all these tests need).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mergeRequestPayload,
  newDeliveryIds,
  pushPayload,
  Role,
  tagPushPayload,
  webhookHeaders,
  ZERO_SHA,
} from '../gitlab-double/index.js';
import { BotCluster, PUBLIC_URL, pipeline, waitFor } from './harness.js';

let c: BotCluster;

beforeAll(async () => {
  c = await BotCluster.start({ env: { HANGAR_WEBHOOK_MAX_BYTES: '64KiB' } });
});

afterAll(async () => {
  await c?.dispose();
});

async function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(c.hookUrl, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function headers(event: Parameters<typeof webhookHeaders>[0]['event'], token: string | null) {
  return webhookHeaders({
    event,
    token,
    webhookUuid: 'hook-uuid',
    ids: newDeliveryIds(),
    instance: c.gitlab.url,
  });
}

async function buildCount(): Promise<number> {
  return (await c.listBuilds()).length;
}

/** Waits until the bot has worked through every accepted delivery. */
async function settled(): Promise<void> {
  await waitFor(
    'the webhook queue to drain',
    async () => (await c.coordinator.store.deliveries.queued(1)).length === 0,
  );
  await c.bot.queue.idle();
}

describe('POST /hook', () => {
  it('refuses a forged or missing X-Gitlab-Token with 401 and records nothing', async () => {
    const payload = await pushPayload(c.gitlab, c.project, {
      ref: 'main',
      before: ZERO_SHA,
      after: await c.gitlab.resolve(c.project, 'main'),
      user: c.developer,
    });
    const before = await buildCount();
    const forged = await post(JSON.stringify(payload), headers('Push Hook', 'not-the-token'));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: string }).error).toMatch(/X-Gitlab-Token does not match/);
    expect((await post(JSON.stringify(payload), headers('Push Hook', null))).status).toBe(401);
    const unknownProject = {
      ...payload,
      project_id: 999_999,
      project: { ...(payload.project as object), id: 999_999 },
    };
    expect((await post(JSON.stringify(unknownProject), headers('Push Hook', c.hookToken))).status).toBe(401);
    await settled();
    expect(await buildCount()).toBe(before);
    const base = c.hookUrl.replace(/\/hook$/, '');
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/hangar_bot_webhooks_total\{event="Push Hook",outcome="unauthorized"\} 3/);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('refuses a body over the limit with 413, malformed JSON with 400, and ignores events Hangar does not use', async () => {
    const big = JSON.stringify({ project_id: c.project.id, padding: 'x'.repeat(70 * 1024) });
    const tooLarge = await post(big, headers('Push Hook', c.hookToken));
    expect(tooLarge.status).toBe(413);
    expect((await post('{"project_id": 1,', headers('Push Hook', c.hookToken))).status).toBe(400);
    const pipelineHook = await post(
      JSON.stringify({ object_kind: 'pipeline', project: { id: c.project.id } }),
      { ...headers('Push Hook', c.hookToken), 'X-Gitlab-Event': 'Pipeline Hook' },
    );
    expect(pipelineHook.status).toBe(200);
    expect(await pipelineHook.json()).toMatchObject({ ignored: true });
  });

  it('builds a push once however often GitLab delivers it, with the clone credentials', async () => {
    const before = await buildCount();
    const ids = newDeliveryIds();
    const { sha, deliveries } = await c.push({ 'a.txt': 'a' }, { ids, message: 'Add a' });
    expect(deliveries.map((d) => d.status)).toEqual([202]);
    const again = await c.push({ 'b.txt': 'b' }, { ids, message: 'Add b' });
    expect(again.deliveries.map((d) => d.status)).toEqual([200]);
    expect(JSON.parse(again.deliveries[0]?.responseBody ?? '{}')).toEqual({ duplicate: true });
    await settled();
    const builds = (await c.listBuilds()).slice(0, (await buildCount()) - before);
    expect(builds.map((b) => [b.event, b.sha, b.branch])).toEqual([['push', sha, 'main']]);
    const stored = await c.coordinator.store.repos.byProjectId(c.project.id);
    const row = (await c.coordinator.store.builds.list({ repoId: stored?.id ?? 0 }))[0];
    const inputs = await c.coordinator.store.builds.inputs(row?.id ?? 0);
    expect(inputs?.netrc).toEqual({ machine: '127.0.0.1', login: 'oauth2', password: c.token });
    await waitFor('the pending status', () => c.latest(sha, 'hangar/default')?.status === 'pending');
    expect(c.latest(sha, 'hangar/default')).toMatchObject({
      ref: 'main',
      description: 'waiting for a runner',
      targetUrl: `${PUBLIC_URL}/acme/app/${builds[0]?.number}`,
    });
  });

  it('builds nothing for a deleted branch, a deleted tag or a [skip ci] commit', async () => {
    const before = await buildCount();
    const head = await c.gitlab.resolve(c.project, 'main');
    const deleted = await pushPayload(c.gitlab, c.project, {
      ref: 'gone',
      before: head,
      after: ZERO_SHA,
      user: c.developer,
    });
    expect((await c.deliver('Push Hook', deleted)).map((d) => d.status)).toEqual([202]);
    const tagGone = await tagPushPayload(c.gitlab, c.project, {
      tag: 'v0',
      before: head,
      after: ZERO_SHA,
      user: c.developer,
    });
    expect((await c.deliver('Tag Push Hook', tagGone)).map((d) => d.status)).toEqual([202]);
    const skipped = await c.push({ 'c.txt': 'c' }, { message: 'Tidy up [SKIP CI]' });
    await settled();
    expect(await buildCount()).toBe(before);
    expect(c.gitlab.statusesOf(c.project, skipped.sha)).toEqual([]);
  });

  it('builds a new tag at its commit', async () => {
    const head = await c.gitlab.resolve(c.project, 'main');
    await c.gitlab.createTag(c.project, 'v1.0.0', head);
    await c.deliver(
      'Tag Push Hook',
      await tagPushPayload(c.gitlab, c.project, { tag: 'v1.0.0', after: head, user: c.developer }),
    );
    await settled();
    const [latest] = await c.listBuilds();
    expect(latest).toMatchObject({ event: 'tag', ref: 'refs/tags/v1.0.0', sha: head });
    await waitFor('the tag status', () => c.latest(head, 'hangar/default')?.ref === 'v1.0.0');
  });

  it('fails the commit status naming the path when the pipeline file is missing', async () => {
    const before = await buildCount();
    const { sha } = await c.push({ '.drone.yml': null }, { message: 'Remove the pipeline' });
    await settled();
    expect(await buildCount()).toBe(before);
    await waitFor('the failed status', () => c.latest(sha, 'hangar'));
    expect(c.latest(sha, 'hangar')).toMatchObject({
      status: 'failed',
      description: expect.stringMatching(/no pipeline file: \.drone\.yml was not found at [0-9a-f]{8}/),
    });
  });

  it('fails the commit status with the line and column of an invalid pipeline file', async () => {
    const bad =
      'kind: pipeline\nname: default\nsteps:\n  - name: test\n    image: hangar/busybox:latest\n    commands: [echo\n';
    const { sha } = await c.push({ '.drone.yml': bad }, { message: 'Typo' });
    await settled();
    const build = (await c.listBuilds()).find((b) => b.sha === sha);
    expect(build?.status).toBe('ERROR');
    const status = await waitFor('the failed status', () => {
      const s = c.latest(sha, 'hangar');
      return s?.status === 'failed' ? s : undefined;
    });
    expect(status.description).toMatch(/^\.drone\.yml:6:20: invalid YAML: flow sequence/);
    await c.push(
      { '.drone.yml': pipeline('default', [{ name: 'test', commands: ['echo ok'] }]) },
      { message: 'Fix' },
    );
    await settled();
  });

  it('builds a merge request on open and on new commits, not on a title change, and cancels it on close', async () => {
    const { mr, sha } = await c.openMergeRequest('feature', { 'f.txt': 'f' });
    await settled();
    let [latest] = await c.listBuilds();
    expect(latest).toMatchObject({
      event: 'pull_request',
      sha,
      mergeRequestIid: mr.iid,
      sourceBranch: 'feature',
      fork: false,
    });
    await waitFor('the MR status', () => c.latest(sha, 'hangar/default')?.ref === 'feature');

    const count = await buildCount();
    const title = await mergeRequestPayload(c.gitlab, mr, {
      action: 'update',
      user: c.developer,
      changes: { title: { previous: 'a', current: 'b' } },
    });
    await c.deliver('Merge Request Hook', title);
    const next = await c.gitlab.commit(c.project, {
      branch: 'feature',
      files: { 'g.txt': 'g' },
      message: 'More',
    });
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'update', user: c.developer, oldrev: sha }),
    );
    await settled();
    expect(await buildCount()).toBe(count + 1);
    [latest] = await c.listBuilds();
    expect(latest?.sha).toBe(next.sha);

    c.gitlab.setMergeRequestState(mr, 'closed');
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'close', user: c.developer }),
    );
    await settled();
    const mrBuilds = (await c.listBuilds()).filter((b) => b.mergeRequestIid === mr.iid);
    expect(mrBuilds.map((b) => b.status)).toEqual(['KILLED', 'KILLED']);

    // Reopened: built again; merged: that build is cancelled too.
    c.gitlab.setMergeRequestState(mr, 'opened');
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'reopen', user: c.developer }),
    );
    await settled();
    const reopened = (await c.listBuilds()).filter((b) => b.mergeRequestIid === mr.iid);
    expect(reopened.map((b) => [b.sha, b.status === 'KILLED'])).toEqual([
      [next.sha, false],
      [next.sha, true],
      [sha, true],
    ]);
    c.gitlab.setMergeRequestState(mr, 'merged');
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'merge', user: c.developer }),
    );
    await settled();
    expect((await c.getBuild(reopened[0]?.number ?? 0)).status).toBe('KILLED');
  });

  it('holds the build of a merge request from a fork, waiting for /hangar approve', async () => {
    const fork = await c.gitlab.createProject({
      path: 'outsider/app',
      files: { '.drone.yml': pipeline('default', [{ name: 'test', commands: ['echo fork'] }]) },
    });
    const outsider = c.gitlab.addUser({ username: 'outsider' });
    c.gitlab.addMember(fork, outsider, Role.owner);
    c.gitlab.addMember(fork, c.botUser, Role.developer);
    const head = await c.gitlab.commit(fork, { files: { 'x.txt': 'x' }, message: 'Fork work' });
    const mr = await c.gitlab.createMergeRequest({
      project: c.project,
      sourceProject: fork,
      sourceBranch: 'main',
      author: outsider,
    });
    const before = await buildCount();
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'open', user: outsider }),
    );
    await settled();
    expect(await buildCount()).toBe(before);
    const held = await c.coordinator.store.heldBuilds.waiting(c.project.id, mr.iid);
    expect(held.map((h) => [h.sha, h.sourceProjectId, h.state])).toEqual([[head.sha, fork.id, 'held']]);
    // On the merge request's head in the target project, where the merge request page shows it.
    const status = await waitFor('the waiting status', () => c.gitlab.statusesOf(c.project, head.sha).at(-1));
    expect(status).toMatchObject({
      name: 'hangar',
      status: 'pending',
      ref: `refs/merge-requests/${mr.iid}/head`,
    });
    expect(status?.description).toMatch(/waiting for \/hangar approve/);
    expect(c.gitlab.statusesOf(fork, head.sha)).toEqual([]);
  });
});
