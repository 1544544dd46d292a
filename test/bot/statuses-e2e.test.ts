/**
 * Builds that really run (coordinator, runner daemon, Docker) seen from
 * GitLab: commit statuses in order with words a person understands, and the
 * merge-request summary note created once and then edited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_MARKER } from '../../services/gitlab-bot/summary/render.js';
import { mergeRequestPayload } from '../gitlab-double/index.js';
import { BotCluster, PUBLIC_URL, pipeline, waitFor } from './harness.js';

let c: BotCluster;

beforeAll(async () => {
  c = await BotCluster.start({ runner: true });
});

afterAll(async () => {
  await c?.dispose();
});

describe('statuses and the summary of builds that run', () => {
  it('posts pending → running → success in order for a push', async () => {
    // The step takes a moment, so the running state is seen however busy the machine is.
    const file = pipeline('default', [{ name: 'test', commands: ['sleep 2', 'echo ok'] }]);
    const { sha } = await c.push({ 'a.txt': 'a', '.drone.yml': file }, { message: 'Add a' });
    const [queued] = await waitFor('the build', async () => {
      const all = await c.listBuilds();
      return all.length > 0 ? all : undefined;
    });
    const build = await c.waitFinished(queued?.number ?? 0);
    expect(build.status).toBe('SUCCESS');
    await waitFor('the success status', () => c.latest(sha, 'hangar/default')?.status === 'success');
    expect(c.statesOf(sha, 'hangar/default')).toEqual(['pending', 'running', 'success']);
    expect(c.latest(sha, 'hangar/default')).toMatchObject({
      ref: 'main',
      targetUrl: `${PUBLIC_URL}/acme/app/${build.number}`,
      description: expect.stringMatching(/^passed in \d+s$/),
    });
  });

  it('says which step failed and with what exit code', async () => {
    const file = pipeline('checks', [
      { name: 'prepare', commands: ['sleep 2', 'echo ready'] },
      { name: 'unit', commands: ['echo "assertion failed"', 'exit 3'] },
    ]);
    const { sha } = await c.push({ '.drone.yml': file }, { message: 'Break the tests' });
    const status = await waitFor(
      'the failed status',
      () => {
        const s = c.latest(sha, 'hangar/checks');
        return s?.status === 'failed' ? s : undefined;
      },
      60_000,
    );
    expect(status.description).toBe('step unit failed (exit 3)');
    expect(c.statesOf(sha, 'hangar/checks')).toEqual(['pending', 'running', 'failed']);
  });

  it('delivers the statuses of a build that ran while GitLab answered 500, in order and ending right', {
    timeout: 120_000,
  }, async () => {
    const file = pipeline('outage', [{ name: 'work', commands: ['echo working'] }]);
    const outage = c.gitlab.injectFault({ route: 'statuses.create', status: 500, forMs: 60_000 });
    const { sha } = await c.push({ '.drone.yml': file }, { message: 'Build during an outage' });
    const queued = await waitFor('the build', async () => (await c.listBuilds()).find((b) => b.sha === sha));
    const build = await c.waitFinished(queued.number);
    expect(build.status).toBe('SUCCESS');
    const refused = c.gitlab
      .requestsTo('statuses.create')
      .filter((r) => r.status === 500 && r.path.includes(sha));
    expect(refused.length).toBeGreaterThan(0);
    expect(c.latest(sha, 'hangar/outage')).toBeUndefined();
    outage.remove();
    await waitFor('the final status', () => c.latest(sha, 'hangar/outage')?.status === 'success', 30_000);
    const states = c.statesOf(sha, 'hangar/outage');
    expect(states[0]).toBe('pending');
    expect(states.at(-1)).toBe('success');
    const order = ['pending', 'running', 'success'];
    expect([...states].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(states);
  });

  it('creates one summary note for a merge request and edits it for later builds', {
    timeout: 120_000,
  }, async () => {
    const failing = pipeline('checks', [{ name: 'unit', commands: ['echo "assertion failed"', 'exit 3'] }]);
    const { mr, sha } = await c.openMergeRequest('summary', { 'm.txt': 'm', '.drone.yml': failing });
    const note = await waitFor(
      'the summary note to show a failed build',
      () => {
        const n = mr.notes.find((x) => x.body.startsWith(SUMMARY_MARKER));
        return n?.body.includes('failed') && n.body.includes('assertion failed') ? n : undefined;
      },
      60_000,
    );
    expect(note.authorId).toBe(c.botUser.id);
    expect(note.body).toContain('❌ failed (exit 3)');
    expect(note.body).toMatch(/<summary>Last \d+ lines of the log of <code>unit<\/code><\/summary>/);
    expect(c.latest(sha, 'hangar/checks')?.ref).toBe('summary');

    const fixed = pipeline('checks', [{ name: 'unit', commands: ['echo fine'] }]);
    const next = await c.gitlab.commit(c.project, {
      branch: 'summary',
      files: { '.drone.yml': fixed },
      message: 'Fix',
    });
    await c.deliver(
      'Merge Request Hook',
      await mergeRequestPayload(c.gitlab, mr, { action: 'update', user: c.developer, oldrev: sha }),
    );
    await waitFor(
      'the summary note to show the passing build',
      () => {
        const n = mr.notes.find((x) => x.id === note.id);
        return n?.body.includes('passed') && !n.body.includes('assertion failed') ? n : undefined;
      },
      60_000,
    );
    const summaries = mr.notes.filter((x) => x.body.startsWith(SUMMARY_MARKER));
    expect(summaries.map((n) => n.id)).toEqual([note.id]);
    expect(c.gitlab.requestsTo('notes.create').filter((r) => r.status === 201)).toHaveLength(1);
    await waitFor(
      'the success status of the fix',
      () => c.latest(next.sha, 'hangar/checks')?.status === 'success',
    );
  });
});
