/**
 * A build from creation to success through a simulated runner, on SQLite and
 * on PostgreSQL: dispatch on NATS, Accept with the plan and step ids, step
 * states, logs, Complete, and the events the bot follows, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoordinatorEvent } from '../../services/coordinator/events.js';
import { Cluster, pipeline, waitFor } from './harness.js';

describe.each(['sqlite', 'postgres'] as const)('build lifecycle on %s', (engine) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ engine });
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('runs a build end to end: dispatch, accept, steps, logs, complete, success, events in order', async () => {
    const repo = await cluster.repo();
    const events = await cluster.events();
    const runner = await cluster.runner(`sim-${engine}`);
    await runner.register();

    const created = await cluster.createBuild(repo, pipeline('default', ['build', 'test']));
    expect(created.number).toBe(1);
    expect(created.status).toBe('PENDING');
    expect(created.jobs.map((j) => [j.name, j.status])).toEqual([['default', 'PENDING']]);

    const job = await runner.acceptNext();
    expect(job.buildNumber).toBe(1);
    expect(job.repoSlug).toBe(repo.slug);
    expect(job.attempt).toBe(1);
    expect(job.steps.map((s) => s.name)).toEqual(['clone', 'build', 'test']);
    const plan = JSON.parse(job.planJson) as { pipeline: string; steps: { name: string }[] };
    expect(plan.pipeline).toBe('default');
    expect(plan.steps.map((s) => s.name)).toEqual(['build', 'test']);

    const running = await cluster.getBuild(repo, 1);
    expect(running.status).toBe('RUNNING');
    expect(running.jobs[0]?.status).toBe('RUNNING');
    expect(running.jobs[0]?.runner).toBe(`sim-${engine}`);

    const logs = runner.logs();
    const [clone, build, test] = job.steps;
    for (const s of [clone, build, test]) {
      await runner.step(job.jobId, job.leaseToken, s!.id, 'RUNNING');
      logs.send(job.jobId, job.leaseToken, s!.id, 1, [`${s!.name} line 1`, `${s!.name} line 2`]);
      logs.send(job.jobId, job.leaseToken, s!.id, 2, [`${s!.name} line 3`]);
      await waitFor(`logs of ${s!.name} acknowledged`, () => logs.ackedFor(s!.id) === 2);
      await runner.step(job.jobId, job.leaseToken, s!.id, 'SUCCESS', { exitCode: 0 });
    }
    logs.call.end();
    await logs.ended;
    await runner.complete(job.jobId, job.leaseToken, 'SUCCESS');

    const done = await cluster.waitStatus(repo, 1, 'SUCCESS');
    expect(done.finishedMs).toBeGreaterThanOrEqual(done.startedMs);
    expect(done.jobs[0]?.status).toBe('SUCCESS');
    expect(done.jobs[0]?.steps.map((s) => s.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(await cluster.store.logs.text(test!.id)).toBe('test line 1\ntest line 2\ntest line 3\n');

    const tail = cluster.tail({ repo: { slug: repo.slug }, buildNumber: 1, jobNumber: 1, step: 'build' });
    await tail.done;
    expect(tail.chunks.flatMap((c) => c.lines)).toEqual(['build line 1', 'build line 2', 'build line 3']);
    expect(tail.chunks.at(-1)?.eof).toBe(true);

    // Events: each kind in the order the states changed, versions growing.
    const mine = await waitFor('the build success event', () => {
      const list = events.seen.filter((e) => e.buildId === created.id);
      return list.some((e) => e.kind === 'build' && e.status === 'success') ? list : undefined;
    });
    const versions = mine.map((e) => e.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    // States of one thing arrive in the order they happened; a state may be left out when a
    // newer one of the same thing was already waiting to be published.
    const of = (kind: CoordinatorEvent['kind']) =>
      mine.filter((e) => e.kind === kind).map((e) => ('status' in e ? e.status : ''));
    const inOrder = (got: string[], all: string[]) => {
      const at = got.map((g) => all.indexOf(g));
      expect(at.every((i, k) => i >= 0 && (k === 0 || i > (at[k - 1] as number)))).toBe(true);
      expect(got.at(-1)).toBe(all.at(-1));
    };
    inOrder(of('build'), ['pending', 'running', 'success']);
    inOrder(of('job'), ['pending', 'queued', 'running', 'success']);
    expect(of('build')).toContain('running');
    const buildSteps = mine.filter((e) => e.kind === 'step' && e.name === 'build').map((e) => e.status);
    inOrder(buildSteps, ['running', 'success']);
    const jobDone = mine.find((e) => e.kind === 'job' && e.status === 'success');
    expect(jobDone?.kind === 'job' && jobDone.steps?.map((s) => [s.name, s.status])).toEqual([
      ['clone', 'success'],
      ['build', 'success'],
      ['test', 'success'],
    ]);
    const order = mine.map((e) => `${e.kind}:${e.status}`);
    expect(order.indexOf('build:running')).toBeLessThan(order.indexOf('job:running'));
    expect(order.indexOf('job:success')).toBeLessThan(order.indexOf('build:success'));
    expect(mine.every((e) => e.repoSlug === repo.slug && e.buildNumber === 1)).toBe(true);
  });

  it('gives an invalid pipeline file a build in error with file:line:column', async () => {
    const repo = await cluster.repo();
    const b = await cluster.createBuild(repo, 'kind: pipeline\nsteps:\n  - name: a\n    image: [oops\n');
    expect(b.status).toBe('ERROR');
    expect(b.error).toMatch(/^\.drone\.yml:\d+:\d+: /);
    expect(b.jobs).toEqual([]);
  });
});
