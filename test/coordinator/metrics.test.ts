/**
 * /metrics in Prometheus text format and /healthz, as an operator scrapes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, pipeline } from './harness.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await Cluster.start();
});
afterAll(async () => {
  await cluster?.dispose();
});

async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`http://${cluster.coordinator.metricsAddress}/metrics`, {
    signal: AbortSignal.timeout(5000),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    values.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return values;
}

describe('metrics', () => {
  it('reports queue depth, running jobs, runners, dispatch latency and build durations', async () => {
    const repo = await cluster.repo();
    const runner = await cluster.runner('metrics-sim');
    await runner.register();
    const b = await cluster.createBuild(repo, pipeline('default', ['test']));
    const idle = await scrape();
    expect(idle.get('hangar_runners_connected')).toBe(1);

    const d = await runner.next(15_000, Number(b.jobs[0]?.id));
    const queued = await scrape();
    expect(queued.get('hangar_queue_depth')).toBe(1);
    expect(queued.get('hangar_jobs_waiting{state="queued"}')).toBe(1);

    const job = await runner.accept(d.jobId);
    d.ack();
    // The acknowledgement travels on the runner's connection and the queue
    // depth is read on the coordinator's: it drops once NATS has processed it.
    await expect.poll(async () => (await scrape()).get('hangar_queue_depth'), { timeout: 5000 }).toBe(0);
    const running = await scrape();
    expect(running.get('hangar_jobs_running')).toBe(1);
    expect(running.get('hangar_dispatch_latency_seconds_count')).toBe(1);
    expect(running.get('hangar_dispatch_latency_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(running.get('hangar_dispatch_latency_seconds_sum')).toBeGreaterThan(0);

    await runner.runAll({ ...job, jobId: Number(d.jobId) });
    await cluster.waitStatus(repo, b.number, 'SUCCESS');
    const after = await scrape();
    expect(after.get('hangar_jobs_running')).toBe(0);
    expect(after.get('hangar_builds_finished_total{status="success"}')).toBe(1);
    expect(after.get('hangar_build_duration_seconds_count')).toBe(1);
    expect(after.get('hangar_jobs_dispatched_total')).toBe(1);
  });

  it('answers /healthz with 200 while the database and NATS answer', async () => {
    const res = await fetch(`http://${cluster.coordinator.metricsAddress}/healthz`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
    const missing = await fetch(`http://${cluster.coordinator.metricsAddress}/nope`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(missing.status).toBe(404);
  });
});
