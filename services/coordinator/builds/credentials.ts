/**
 * What a runner gets with a job, besides the plan: the secrets the plan uses
 * and may have, the registry credentials its images need, and the clone
 * credentials. Nothing else of the repository's secrets leaves the coordinator.
 *
 * Secret rules (Drone's): a secret goes only to builds of the events it lists
 * (pull_request is not among the defaults), never to a merge request from a
 * fork unless the repository allows it, and, when it names images, only if
 * every step that uses it runs one of those images. The same rules hold for
 * the secrets a pipeline names in `image_pull_secrets`, which go to the job
 * as registry credentials only, never to a step that does not ask for them.
 */
import { globMatch } from '../../shared/pipeline/glob.js';
import { planSpecs } from '../../shared/pipeline/specs.js';
import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';
import {
  imageHosts,
  onePerHost,
  type PullCredentials,
  pullSecretLogins,
  type RegistryCredential,
} from '../../shared/pull-credentials.js';
import { registryHost } from '../../shared/registry-host.js';
import type { Build, Netrc, RegistryWithPassword, Repo, SecretWithValue } from '../store/index.js';

export type { PullCredentials, RegistryCredential } from '../../shared/pull-credentials.js';

/** The image without its tag or digest: 'plugins/docker:20' → 'plugins/docker'. */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function imageMatches(patterns: readonly string[], image: string): boolean {
  const name = imageName(image);
  return patterns.some((p) => globMatch(p, image) || globMatch(p, name) || globMatch(imageName(p), name));
}

export function secretsForJob(
  plan: JobPlan,
  build: Pick<Build, 'event' | 'fork'>,
  repo: Pick<Repo, 'allowForkSecrets'>,
  secrets: readonly SecretWithValue[],
): { name: string; value: string }[] {
  if (build.event === 'pull_request' && build.fork && !repo.allowForkSecrets) return [];
  const users = new Map<string, StepSpec[]>();
  for (const step of planSpecs(plan)) {
    for (const ref of step.secrets) {
      const list = users.get(ref.source);
      if (list === undefined) users.set(ref.source, [step]);
      else if (!list.includes(step)) list.push(step);
    }
  }
  const out: { name: string; value: string }[] = [];
  for (const s of secrets) {
    const steps = users.get(s.name);
    if (steps === undefined) continue;
    if (!s.events.includes(build.event)) continue;
    if (s.images.length > 0 && !steps.every((step) => imageMatches(s.images, step.image))) continue;
    out.push({ name: s.name, value: s.value });
  }
  return out;
}

function pullSecret(
  name: string,
  hosts: ReadonlyMap<string, string[]>,
  build: Pick<Build, 'event' | 'fork'>,
  repo: Pick<Repo, 'slug' | 'allowForkSecrets'>,
  secret: SecretWithValue | undefined,
  out: PullCredentials,
): RegistryCredential[] {
  const what = `image_pull_secrets: secret '${name}'`;
  if (secret === undefined) {
    out.errors.push(
      `image_pull_secrets: no secret '${name}' in ${repo.slug}; add it with ` +
        `hangar secret add ${repo.slug} --name ${name} --data @$HOME/.docker/config.json`,
    );
    return [];
  }
  if (build.event === 'pull_request' && build.fork && !repo.allowForkSecrets) {
    out.notes.push(
      `${what} is not given to merge requests from forks; ` +
        `hangar repo update ${repo.slug} --allow-fork-secrets allows it`,
    );
    return [];
  }
  if (!secret.events.includes(build.event)) {
    out.notes.push(
      `${what} is not given to ${build.event} builds (it is for ${secret.events.join(', ') || 'no event'})`,
    );
    return [];
  }
  const config = pullSecretLogins(secret.value, hosts);
  if (!config.ok) {
    out.errors.push(
      `${what} in ${repo.slug} is not a Docker config JSON: ${config.problem}; ` +
        'set it to the content of a ~/.docker/config.json that holds the credentials under "auths"',
    );
    return [];
  }
  const usable: RegistryCredential[] = [];
  for (const { credential, images } of config.logins) {
    const refused =
      secret.images.length > 0 ? images.find((i) => !imageMatches(secret.images, i)) : undefined;
    if (refused !== undefined) {
      out.notes.push(`${what} may be used only with ${secret.images.join(', ')}, not with ${refused}`);
      continue;
    }
    usable.push(credential);
  }
  return usable;
}

/**
 * The registry credentials for the registries the job's images come from:
 * those of the pipeline's `image_pull_secrets` (under the same rules as any
 * secret) first, then those stored with `hangar registry add`; one per host.
 */
export function pullCredentialsForJob(
  plan: JobPlan,
  build: Pick<Build, 'event' | 'fork'>,
  repo: Pick<Repo, 'slug' | 'allowForkSecrets'>,
  secrets: readonly SecretWithValue[],
  registries: readonly RegistryWithPassword[],
): PullCredentials {
  const hosts = imageHosts(plan);
  const out: PullCredentials = { registries: [], errors: [], notes: [] };
  const found: RegistryCredential[] = [];
  for (const name of new Set(plan.imagePullSecrets)) {
    const secret = secrets.find((s) => s.name === name);
    found.push(...pullSecret(name, hosts, build, repo, secret, out));
  }
  for (const r of registries) {
    const host = registryHost(r.address);
    if (hosts.has(host)) found.push({ address: host, username: r.username, password: r.password });
  }
  out.registries = onePerHost(found);
  return out;
}

/** Clone credentials for the repository's host: the build's own, else the coordinator's. */
export function netrcForJob(
  repo: Pick<Repo, 'cloneUrl'>,
  own: Netrc | undefined,
  fallback: { login: string; password: string } | undefined,
): Netrc | undefined {
  let host = '';
  try {
    host = new URL(repo.cloneUrl).hostname;
  } catch {
    host = '';
  }
  if (own !== undefined) return { ...own, machine: own.machine || host };
  if (fallback === undefined || host === '') return undefined;
  return { machine: host, login: fallback.login, password: fallback.password };
}
