import { errorMessage, HangarError } from '../../shared/errors.js';
import type { PullPolicy } from '../../shared/pipeline/types.js';
import { imageRegistryHost, registryHost } from '../../shared/registry-host.js';
import { DockerError, type RegistryAuth } from '../docker/engine.js';
import type { JobContext } from './context.js';

/**
 * Makes sure a step's image is on the Docker host, as its pull policy says:
 * `always` pulls, `if-not-exists` pulls when it is missing, `never` only
 * checks. Each image is handled once per job. Failures are one sentence
 * naming the image.
 *
 * When the pipeline's `image_pull_secrets` cannot be used (RunOptions
 * pullSecretErrors), nothing is pulled: the step fails with the reason. A
 * job whose images are all on the host only logs it as a warning.
 */
export function ensureImage(ctx: JobContext, image: string, policy: PullPolicy): Promise<void> {
  const key = `${policy} ${image}`;
  let pending = ctx.images.get(key);
  if (!pending) {
    pending = fetchImage(ctx, image, policy);
    ctx.images.set(key, pending);
  }
  return pending;
}

async function fetchImage(ctx: JobContext, image: string, policy: PullPolicy): Promise<void> {
  if (policy !== 'always') {
    let present: boolean;
    try {
      present = await ctx.engine.imageExists(image);
    } catch (err) {
      throw new HangarError(`could not look up image ${image}: ${errorMessage(err)}`, { cause: err });
    }
    if (present) {
      warnUnusedPullSecrets(ctx, image);
      return;
    }
    if (policy === 'never') {
      throw new HangarError(
        `could not pull image ${image}: it is not on this Docker host and the step's pull policy is never; ` +
          'pull it on the host or set pull: if-not-exists',
      );
    }
  }
  const unusable = ctx.opts.pullSecretErrors ?? [];
  if (unusable.length > 0) {
    throw new HangarError(`could not pull image ${image}: ${unusable.join('. ')}`);
  }
  const auth = findAuth(ctx.opts.registries, imageRegistryHost(image));
  ctx.log.info({ image, policy, auth: auth !== undefined }, 'pulling image');
  try {
    await ctx.engine.pullImage(image, auth, ctx.signal);
  } catch (err) {
    const reason = err instanceof DockerError ? err.reason : errorMessage(err);
    const notes = ctx.opts.pullSecretNotes ?? [];
    const why = [reason, ...notes].join('; ');
    throw new HangarError(`could not pull image ${image}: ${why}`, { cause: err });
  }
}

const warned = new WeakSet<JobContext>();

function warnUnusedPullSecrets(ctx: JobContext, image: string): void {
  const problems = ctx.opts.pullSecretErrors ?? [];
  if (problems.length === 0 || warned.has(ctx)) return;
  warned.add(ctx);
  ctx.log.warn(
    { image, problems },
    'image_pull_secrets cannot be used; the image is on this host, so nothing was pulled',
  );
}

/** Credentials for a registry host; keys may be written as URLs ('https://index.docker.io/v1/'). */
export function findAuth(
  registries: Record<string, RegistryAuth> | undefined,
  host: string,
): RegistryAuth | undefined {
  if (!registries) return undefined;
  for (const [key, auth] of Object.entries(registries)) {
    if (registryHost(key) === registryHost(host)) return auth;
  }
  return undefined;
}
