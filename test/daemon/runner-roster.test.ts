import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerRoster } from '../../services/coordinator/scheduler/runner-roster.js';
import { silentLogger } from '../../services/shared/log.js';
import { Bus } from '../../services/shared/nats/bus.js';
import { type NatsServer, startNatsServer } from '../support/nats-server.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.dispose();
});

const open = (name: string) => Bus.connect({ url: server.url, name, log: silentLogger });
const amd64 = { os: 'linux', arch: 'amd64' };
const arm64 = { os: 'linux', arch: 'arm64' };

describe('the coordinator roster of connected runners', () => {
  it('says why a labelled job waits, and wakes the dispatcher when a runner that can run it comes', async () => {
    const coord = await open('hangar-coordinator');
    let arrivals = 0;
    const roster = new RunnerRoster(coord, () => arrivals++);
    await roster.settled;
    expect(roster.verdict(amd64, { gpu: 'true' })).toEqual({
      run: false,
      reason: 'waiting for a runner with labels gpu=true; no runner is connected',
    });

    const armBus = await open('hangar-runner-arm');
    const arm = await armBus.jobPuller('linux-arm64', { labels: { gpu: 'true' } });
    await expect.poll(() => arrivals, { timeout: 2000 }).toBe(1);
    expect(roster.verdict(amd64, { gpu: 'true' })).toEqual({
      run: false,
      reason:
        'waiting for a linux/amd64 runner with labels gpu=true; connected runners: 1, none on linux/amd64',
    });
    expect(roster.verdict(arm64, { gpu: 'true' })).toEqual({ run: true, shared: false });

    const plainBus = await open('hangar-runner-plain');
    const plain = await plainBus.jobPuller('linux-amd64', { labels: { zone: 'eu' } });
    await expect.poll(() => arrivals, { timeout: 2000 }).toBe(2);
    expect(roster.verdict(amd64, { gpu: 'true', zone: 'eu' })).toEqual({
      run: false,
      reason:
        'waiting for a runner with labels gpu=true, zone=eu; connected runners: 2, 1 on linux/amd64, none has them',
    });

    // A runner that stops pulling is gone at once, not after its silence.
    arm.close();
    await expect.poll(() => roster.present().length, { timeout: 2000 }).toBe(1);
    expect(roster.verdict(arm64, { gpu: 'true' })).toMatchObject({ run: false });

    // One with more labels than are routed reads only the pool's shared subject.
    const manyBus = await open('hangar-runner-many');
    const many = await manyBus.jobPuller('linux-amd64', {
      labels: { gpu: 'true', zone: 'eu', a: '1', b: '1', c: '1', d: '1' },
    });
    await expect.poll(() => arrivals, { timeout: 2000 }).toBe(3);
    expect(roster.verdict(amd64, { gpu: 'true' })).toEqual({ run: true, shared: true });
    expect(roster.verdict(amd64, { zone: 'eu' })).toEqual({ run: true, shared: true });

    plain.close();
    many.close();
    roster.close();
    await Promise.all([coord.close(), armBus.close(), plainBus.close(), manyBus.close()]);
  });

  it('learns of runners already pulling when it starts, by asking them', async () => {
    const runnerBus = await open('hangar-runner-early');
    const early = await runnerBus.jobPuller('linux-amd64', { labels: { gpu: 'true' } });
    const coord = await open('hangar-coordinator');
    const roster = new RunnerRoster(coord, () => {});
    await roster.settled;
    expect(roster.verdict(amd64, { gpu: 'true' })).toEqual({ run: true, shared: false });
    early.close();
    roster.close();
    await Promise.all([coord.close(), runnerBus.close()]);
  });
});
