/**
 * Which registry an image comes from, and which registry a credential is
 * for, read as Docker reads them, so that the coordinator (which picks the
 * credentials a job gets) and the runner (which sends them with a pull)
 * agree on every spelling.
 */

/** Docker Hub under all the names Docker accepts for it. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export const DOCKER_HUB = 'docker.io';

/**
 * The registry host of an image reference: its first path component when
 * that looks like a host (has a '.' or a ':', is 'localhost', or has
 * upper-case letters, which repository names cannot), else Docker Hub.
 * 'alpine' → 'docker.io', 'localhost:5000/app' → 'localhost:5000'.
 */
export function imageRegistryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return DOCKER_HUB;
  const first = image.slice(0, slash);
  const isHost =
    first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  return isHost ? registryHost(first) : DOCKER_HUB;
}

/**
 * The host a credential is for, however it was written: 'docker.io',
 * 'https://index.docker.io/v1/', 'Registry.Example.com:5000/',
 * 'http://localhost:5000' → 'docker.io', 'docker.io',
 * 'registry.example.com:5000', 'localhost:5000'.
 */
export function registryHost(address: string): string {
  const host = (
    address
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
      .split('/')[0] ?? ''
  ).toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}
