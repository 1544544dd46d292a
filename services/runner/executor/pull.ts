import { errorMessage, HangarError } from '../../shared/errors.js';
import type { PullPolicy } from '../../shared/pipeline/types.js';
import { DockerError, type RegistryAuth, registryHost } from '../docker/engine.js';
import type { JobContext } from './context.js';

/**
 * Makes sure a step's image is on the Docker host, as its pull policy says:
 * `always` pulls, `if-not-exists` pulls when it is missing, `never` only
 * checks. Each image is handled once per job. Failures are one sentence
 * naming the image.
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
    if (present) return;
    if (policy === 'never') {
      throw new HangarError(
        `could not pull image ${image}: it is not on this Docker host and the step's pull policy is never; ` +
          'pull it on the host or set pull: if-not-exists',
      );
    }
  }
  const auth = findAuth(ctx.opts.registries, registryHost(image));
  ctx.log.info({ image, policy, auth: auth !== undefined }, 'pulling image');
  try {
    await ctx.engine.pullImage(image, auth, ctx.signal);
  } catch (err) {
    const reason = err instanceof DockerError ? err.reason : errorMessage(err);
    throw new HangarError(`could not pull image ${image}: ${reason}`, { cause: err });
  }
}

/** Credentials for a registry host; keys may be written as URLs ('https://index.docker.io/v1/'). */
export function findAuth(
  registries: Record<string, RegistryAuth> | undefined,
  host: string,
): RegistryAuth | undefined {
  if (!registries) return undefined;
  for (const [key, auth] of Object.entries(registries)) {
    if (normaliseHost(key) === host) return auth;
  }
  return undefined;
}

function normaliseHost(key: string): string {
  const bare = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? 'docker.io' : bare;
}
