import type { Logger } from '../../shared/log.js';
import { silentLogger } from '../../shared/log.js';
import type { DockerEngine } from '../docker/engine.js';
import { DEFAULT_RUNNER_ID, LABEL_JOB, LABEL_RUNNER } from './options.js';

export interface LeftoverReport {
  containers: number;
  networks: number;
  volumes: number;
}

/**
 * Removes the containers, networks and volumes this runner created for jobs
 * it no longer owns (after a crash or a lost lease). Run at start-up, and
 * whenever the set of owned jobs is known to be complete.
 */
export async function cleanupLeftovers(
  engine: DockerEngine,
  ownedJobIds: Iterable<string>,
  opts: { runnerId?: string; log?: Logger } = {},
): Promise<LeftoverReport> {
  const owned = new Set(ownedJobIds);
  const log = opts.log ?? silentLogger;
  const found = await engine.listLabelled([
    `${LABEL_RUNNER}=${opts.runnerId ?? DEFAULT_RUNNER_ID}`,
    LABEL_JOB,
  ]);
  const stale = (labels: Record<string, string>) => !owned.has(labels[LABEL_JOB] ?? '');
  const containers = found.containers.filter((c) => stale(c.labels));
  const networks = found.networks.filter((n) => stale(n.labels));
  const volumes = found.volumes.filter((v) => stale(v.labels));
  const attempt = async (what: string, name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err, [what]: name }, `leftover ${what} removal failed`);
    }
  };
  await Promise.all(containers.map((c) => attempt('container', c.name, () => engine.removeContainer(c.id))));
  await Promise.all(networks.map((n) => attempt('network', n.name, () => engine.removeNetwork(n.id))));
  await Promise.all(volumes.map((v) => attempt('volume', v.name, () => engine.removeVolume(v.name))));
  const report = { containers: containers.length, networks: networks.length, volumes: volumes.length };
  if (report.containers + report.networks + report.volumes > 0)
    log.info(report, 'removed leftovers of old jobs');
  return report;
}
