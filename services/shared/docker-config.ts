/**
 * Reads a Docker config JSON (the content of ~/.docker/config.json, what a
 * Drone `image_pull_secrets` secret holds) into registry logins:
 *
 *   {"auths": {"registry.example.com": {"auth": "base64(user:password)"}}}
 *
 * Entries may give `username` and `password` instead of `auth`, and keys may
 * be written as URLs ('https://index.docker.io/v1/'). What is wrong is said
 * in words that never repeat the value.
 */
import { registryHost } from './registry-host.js';

export interface RegistryLogin {
  /** Registry host as registryHost() writes it: 'docker.io', 'registry.example.com:5000'. */
  host: string;
  username: string;
  password: string;
}

export type DockerConfig = { ok: true; logins: RegistryLogin[] } | { ok: false; problem: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function login(key: string, entry: unknown): RegistryLogin | string {
  const host = registryHost(key);
  if (host === '') return `it has an entry without a registry host under "auths"`;
  if (!isObject(entry)) return `its entry for ${host} is not an object`;
  const auth = text(entry.auth).trim();
  if (auth !== '') {
    const decoded = BASE64.test(auth) ? Buffer.from(auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) return `its "auth" for ${host} is not base64 of username:password`;
    return { host, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const username = text(entry.username);
  const password = text(entry.password);
  if (username !== '' && password !== '') return { host, username, password };
  if (text(entry.identitytoken) !== '' || text(entry.registrytoken) !== '') {
    return `its entry for ${host} holds a token, which a pull cannot use; give "auth" or "username" and "password"`;
  }
  return `its entry for ${host} has neither "auth" nor "username" and "password"`;
}

export function parseDockerConfig(value: string): DockerConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    // The parser's message quotes the value; say only what is wrong.
    return { ok: false, problem: 'it is not valid JSON' };
  }
  if (!isObject(doc)) return { ok: false, problem: 'it is not a JSON object' };
  const auths = doc.auths;
  if (!isObject(auths)) {
    const helper = ['credsStore', 'credHelpers'].find((k) => doc[k] !== undefined);
    return {
      ok: false,
      problem:
        helper === undefined
          ? 'it has no "auths" object'
          : `it names a credential helper (${helper}) instead of holding credentials under "auths"`,
    };
  }
  const logins: RegistryLogin[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    const got = login(key, entry);
    if (typeof got === 'string') return { ok: false, problem: got };
    logins.push(got);
  }
  if (logins.length === 0) return { ok: false, problem: 'its "auths" object is empty' };
  return { ok: true, logins };
}
