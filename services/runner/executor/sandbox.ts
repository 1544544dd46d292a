import { errorMessage } from '../../shared/errors.js';
import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';
import { networkAlias } from './container-spec.js';
import type { JobContext } from './context.js';
import { DEFAULT_CLONE_IMAGE, LABEL_STEP } from './options.js';
import { ensureImage } from './pull.js';

/**
 * Joining a container to a user-defined network is the costliest part of
 * starting it (Docker sets up the network namespace and its embedded DNS).
 * Steps that never run beside another step therefore share the network
 * namespace of one idle "sandbox" container per job, which sits on the job
 * network under their names: they resolve services by name and are
 * reachable by name, as on their own endpoint, but start much faster.
 * Steps that may run beside another one (parallel groups, DAG branches),
 * detached steps and services keep their own endpoint, so no two of them
 * ever compete for a port.
 */

/** Below this many solo steps the sandbox's own start costs more than it saves. */
const MIN_SOLO = 3;
const SLEEP_FOREVER = ['sleep', '2147483647'];

/** Names of the clone step and the steps ordered before or after every other foreground step. */
export function soloSteps(plan: JobPlan): Set<string> {
  const foreground = plan.steps.filter((s) => s.run && !s.detach);
  const byName = new Map(plan.steps.map((s) => [s.name, s]));
  const memo = new Map<string, Set<string>>();
  const ancestors = (name: string): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const out = new Set<string>();
    memo.set(name, out);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (!byName.has(dep) || out.has(dep)) continue;
      out.add(dep);
      for (const a of ancestors(dep)) out.add(a);
    }
    return out;
  };
  const solo = new Set<string>();
  if (plan.clone?.run && canShare(plan.clone)) solo.add(plan.clone.name);
  for (const s of foreground) {
    if (!canShare(s)) continue;
    const ordered = foreground.every(
      (t) => t === s || ancestors(s.name).has(t.name) || ancestors(t.name).has(s.name),
    );
    if (ordered) solo.add(s.name);
  }
  return solo;
}

/** Docker refuses extra hosts for a container that uses another's network; a step's own network mode wins. */
function canShare(step: StepSpec): boolean {
  return step.extraHosts.length === 0 && (step.networkMode === undefined || step.networkMode === '');
}

/**
 * Starts the sandbox when enough steps would use it. When it cannot start,
 * every step joins the network on its own, as it would anyway.
 */
export async function startSandbox(ctx: JobContext): Promise<void> {
  if (ctx.opts.networkSandbox === false) return;
  const solo = soloSteps(ctx.plan);
  if (solo.size < MIN_SOLO) return;
  const image = ctx.opts.sandboxImage ?? ctx.opts.cloneImage ?? DEFAULT_CLONE_IMAGE;
  try {
    await ensureImage(ctx, image, 'if-not-exists');
    const id = await ctx.engine.createContainer({
      name: `${ctx.prefix}-sandbox`,
      image,
      env: [],
      entrypoint: SLEEP_FOREVER.slice(0, 1),
      cmd: SLEEP_FOREVER.slice(1),
      labels: { ...ctx.labels, [LABEL_STEP]: '' },
      network: { name: ctx.networkName, aliases: [...solo].map(networkAlias) },
      binds: [],
      privileged: false,
      devices: [],
      extraHosts: [],
    });
    ctx.created.containers.add(id);
    await ctx.engine.startContainer(id);
    ctx.sandbox = { id, members: solo };
  } catch (err) {
    ctx.log.warn(
      { err, image, reason: errorMessage(err) },
      'no network sandbox; steps join the network one by one',
    );
  }
}
