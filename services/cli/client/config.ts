/**
 * Where the client commands find the server: HANGAR_SERVER (the bot's HTTP
 * address) and HANGAR_TOKEN (the server's HANGAR_ADMIN_TOKEN). The one place
 * the client commands read the environment.
 */
import { ConfigError } from '../../shared/errors.js';

export interface ClientConfig {
  /** Base URL without a trailing slash. */
  server: string;
  token: string;
  timeoutMs: number;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8000';

export function readClientConfig(env: Readonly<Record<string, string | undefined>>): ClientConfig {
  const rawServer = (env.HANGAR_SERVER ?? '').trim() || DEFAULT_SERVER;
  const withScheme = /^[a-z]+:\/\//i.test(rawServer) ? rawServer : `http://${rawServer}`;
  let server: string;
  try {
    const u = new URL(withScheme);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    server = withScheme.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(
      'HANGAR_SERVER',
      `'${rawServer}' is not a URL; write it like http://ci.example.com:8000`,
    );
  }
  const token = (env.HANGAR_TOKEN ?? '').trim();
  if (token === '') {
    throw new ConfigError('HANGAR_TOKEN', "is not set; set it to the server's HANGAR_ADMIN_TOKEN");
  }
  const timeout = Number(env.HANGAR_CLIENT_TIMEOUT ?? '');
  return { server, token, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 30_000 };
}
