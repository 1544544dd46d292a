import { planSpecs } from '../../shared/pipeline/specs.js';
import { volumeKey } from './container-spec.js';
import type { JobContext } from './context.js';
import { dockerSafe } from './context.js';
import { LABEL_JOB, LABEL_RUNNER } from './options.js';
import { startSandbox } from './sandbox.js';

/**
 * The job's network, its network sandbox and its volumes: created before
 * the first step, removed after the last, whatever happened in between.
 */
export async function createResources(ctx: JobContext): Promise<void> {
  const { engine, plan, labels } = ctx;
  const networkId = await engine.createNetwork(ctx.networkName, labels);
  ctx.created.networks.add(networkId);

  const wanted = new Map<string, string>();
  if (ctx.opts.workspaceHostDir === undefined) wanted.set('', `${ctx.prefix}-workspace`);
  for (const [name, def] of Object.entries(plan.volumes)) {
    if (def.hostPath === undefined) wanted.set(`name:${name}`, `${ctx.prefix}-vol-${dockerSafe(name)}`);
  }
  for (const step of planSpecs(plan)) {
    for (const mount of step.volumes) {
      const key = volumeKey(mount);
      if (key === undefined || wanted.has(key) || mount.hostPath !== undefined) continue;
      if (mount.name !== undefined && plan.volumes[mount.name]?.hostPath !== undefined) continue;
      wanted.set(key, `${ctx.prefix}-vol-${dockerSafe(key.replace(/^[a-z]+:/, ''))}-${wanted.size}`);
    }
  }
  await Promise.all([
    startSandbox(ctx),
    ...[...wanted].map(async ([key, name]) => {
      await engine.createVolume(name, labels);
      ctx.created.volumes.add(name);
      ctx.volumes.set(key, name);
    }),
  ]);
}

/**
 * Stops services and detached steps, waits for every container's end and
 * removal, then removes whatever still carries the job's label: containers
 * first, then networks and volumes.
 */
export async function removeResources(ctx: JobContext): Promise<void> {
  ctx.tearingDown = true;
  for (const id of ctx.running.keys()) ctx.stop(id, 0);
  await Promise.all(ctx.background);
  await Promise.all(ctx.removals);
  const { engine, log } = ctx;
  const warn = (what: string, id: string) => (err: unknown) =>
    log.warn({ err, [what]: id }, `${what} removal failed`);
  await Promise.all(
    [...ctx.created.containers].map((id) => engine.removeContainer(id).catch(warn('container', id))),
  );
  const left = await engine.listLabelled([`${LABEL_JOB}=${ctx.opts.jobId}`]).catch((err: unknown) => {
    log.warn({ err }, 'could not list job resources');
    return undefined;
  });
  const mine = (labels: Record<string, string>) => labels[LABEL_RUNNER] === ctx.labels[LABEL_RUNNER];
  if (left) {
    const stray = left.containers.filter((c) => c.name.startsWith(ctx.prefix) && mine(c.labels));
    await Promise.all(stray.map((c) => engine.removeContainer(c.id).catch(warn('container', c.id))));
  }
  await Promise.all(
    [...ctx.created.networks].map((id) => engine.removeNetwork(id).catch(warn('network', id))),
  );
  await Promise.all([...ctx.created.volumes].map((v) => engine.removeVolume(v).catch(warn('volume', v))));
}
