/**
 * The credentials a job pulls its images with, and how a pipeline's
 * `image_pull_secrets` (Docker config JSON values) become them. The
 * coordinator applies its secret rules around this (events, forks, image
 * filters) and `hangar exec` uses it with the secrets it is given; both hand
 * the runner the same PullCredentials.
 */
import { parseDockerConfig } from './docker-config.js';
import { planSpecs } from './pipeline/specs.js';
import type { JobPlan } from './pipeline/types.js';
import { imageRegistryHost } from './registry-host.js';

export interface RegistryCredential {
  /** The registry host, one entry per host: 'docker.io', 'registry.example.com:5000'. */
  address: string;
  username: string;
  password: string;
}

/** What a job gets for pulling its images. Never exposed to steps. */
export interface PullCredentials {
  registries: RegistryCredential[];
  /**
   * One sentence per `image_pull_secrets` entry that cannot be used (no such
   * secret, not a Docker config JSON): the job fails with it before it pulls
   * an image.
   */
  errors: string[];
  /**
   * One sentence per entry the secret rules keep from this build (event,
   * fork, image filter): added to the message of a pull that fails.
   */
  notes: string[];
}

/** The registry hosts the job's images (clone, services, steps) come from, each with those images. */
export function imageHosts(plan: JobPlan): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const { image } of planSpecs(plan)) {
    const host = imageRegistryHost(image);
    hosts.set(host, [...(hosts.get(host) ?? []), image]);
  }
  return hosts;
}

/** A credential of a pull secret, with the job's images from its registry. */
export interface SecretLogin {
  credential: RegistryCredential;
  images: string[];
}

export type PullSecretLogins = { ok: true; logins: SecretLogin[] } | { ok: false; problem: string };

/**
 * The logins of a Docker config JSON for the hosts the job pulls from; a
 * login for another host is left out. `problem` says what is wrong with the
 * value without repeating it.
 */
export function pullSecretLogins(value: string, hosts: ReadonlyMap<string, string[]>): PullSecretLogins {
  const config = parseDockerConfig(value);
  if (!config.ok) return config;
  const logins: SecretLogin[] = [];
  for (const l of config.logins) {
    const images = hosts.get(l.host);
    if (images === undefined) continue;
    logins.push({ credential: { address: l.host, username: l.username, password: l.password }, images });
  }
  return { ok: true, logins };
}

/** The first credential for each host, in order. */
export function onePerHost(found: readonly RegistryCredential[]): RegistryCredential[] {
  const seen = new Set<string>();
  const out: RegistryCredential[] = [];
  for (const c of found) {
    if (seen.has(c.address)) continue;
    seen.add(c.address);
    out.push(c);
  }
  return out;
}
