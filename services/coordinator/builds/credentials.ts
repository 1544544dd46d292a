/**
 * What a runner gets with a job, besides the plan: the secrets the plan uses
 * and may have, the registry credentials its images need, and the clone
 * credentials. Nothing else of the repository's secrets leaves the coordinator.
 *
 * Secret rules (Drone's): a secret goes only to builds of the events it lists
 * (pull_request is not among the defaults), never to a merge request from a
 * fork unless the repository allows it, and, when it names images, only if
 * every step that uses it runs one of those images.
 */
import { globMatch } from '../../shared/pipeline/glob.js';
import type { JobPlan, StepSpec } from '../../shared/pipeline/types.js';
import type { Build, Netrc, RegistryWithPassword, Repo, SecretWithValue } from '../store/index.js';

export interface JobCredentials {
  secrets: { name: string; value: string }[];
  registries: { address: string; username: string; password: string }[];
  netrc?: Netrc;
}

function allSteps(plan: JobPlan): StepSpec[] {
  return [...(plan.clone ? [plan.clone] : []), ...plan.services, ...plan.steps];
}

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
  for (const step of allSteps(plan)) {
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

/** The registry host of an image reference, as Docker reads it. */
export function registryHost(image: string): string {
  const first = image.split('/')[0] ?? '';
  if (image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return first.toLowerCase();
  }
  return 'docker.io';
}

function normaliseAddress(address: string): string {
  const host = address
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]
    ?.toLowerCase();
  if (host === undefined || host === '') return address;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export function registriesForJob(
  plan: JobPlan,
  registries: readonly RegistryWithPassword[],
): { address: string; username: string; password: string }[] {
  const hosts = new Set(allSteps(plan).map((s) => registryHost(s.image)));
  return registries
    .filter((r) => hosts.has(normaliseAddress(r.address)))
    .map((r) => ({ address: r.address, username: r.username, password: r.password }));
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
