import { describe, expect, it } from 'vitest';
import { cleanupLeftovers } from '../../services/runner/executor/leftovers.js';
import { BUSYBOX, engine, leftovers, newJobId } from './helpers.js';

const RUNNER = 'leftover-test-runner';

async function strandJob(jobId: string, runnerId: string): Promise<void> {
  const labels = { 'io.hangar.job': jobId, 'io.hangar.runner': runnerId };
  const net = `hangar-${jobId}-net`;
  await engine.createNetwork(net, labels);
  await engine.createVolume(`hangar-${jobId}-ws`, labels);
  await engine.createContainer({
    name: `hangar-${jobId}-step`,
    image: BUSYBOX,
    env: [],
    cmd: ['sleep', '60'],
    labels,
    network: { name: net, aliases: ['step'] },
    binds: [`hangar-${jobId}-ws:/ws`],
    privileged: false,
    devices: [],
    extraHosts: [],
  });
}

describe('cleanupLeftovers', () => {
  it('removes what this runner left of jobs it no longer owns, and nothing else', async () => {
    const stale = newJobId();
    const owned = newJobId();
    const otherRunners = newJobId();
    await strandJob(stale, RUNNER);
    await strandJob(owned, RUNNER);
    await strandJob(otherRunners, 'someone-else');
    try {
      const report = await cleanupLeftovers(engine, [owned], { runnerId: RUNNER });
      expect(report).toEqual({ containers: 1, networks: 1, volumes: 1 });
      const gone = await leftovers(stale);
      expect([...gone.containers, ...gone.networks, ...gone.volumes]).toEqual([]);
      const kept = await leftovers(owned);
      expect([kept.containers.length, kept.networks.length, kept.volumes.length]).toEqual([1, 1, 1]);
      const theirs = await leftovers(otherRunners);
      expect(theirs.containers.length).toBe(1);
    } finally {
      await cleanupLeftovers(engine, [], { runnerId: RUNNER });
      await cleanupLeftovers(engine, [], { runnerId: 'someone-else' });
    }
    const after = await Promise.all([owned, otherRunners].map((j) => leftovers(j)));
    expect(after.flatMap((l) => [...l.containers, ...l.networks, ...l.volumes])).toEqual([]);
  });
});
