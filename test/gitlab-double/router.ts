import type { Ctx, Reply } from './http-kit.js';

/**
 * The API routes under /api/v4. `access` is what the token's scopes must allow:
 * 'read' (api or read_api), 'write' (api), 'user' (api, read_api or read_user).
 */
export interface Route {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: string;
  access: 'read' | 'write' | 'user';
  handler: (ctx: Ctx) => Promise<Reply> | Reply;
}

export function route(
  name: string,
  method: Route['method'],
  pattern: string,
  access: Route['access'],
  handler: Route['handler'],
): Route {
  return { name, method, pattern, access, handler };
}

/** Finds the route for a method and raw path (segments still URL-encoded) below /api/v4. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  rawPath: string,
): { route: Route; params: Record<string, string> } | undefined {
  const segments = rawPath.split('/').filter((s) => s !== '');
  for (const r of routes) {
    if (r.method !== method) continue;
    const parts = r.pattern.split('/').filter((s) => s !== '');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const want = parts[i] ?? '';
      const got = segments[i] ?? '';
      if (want.startsWith(':')) {
        try {
          params[want.slice(1)] = decodeURIComponent(got);
        } catch {
          ok = false;
        }
      } else ok = want === got;
    }
    if (ok) return { route: r, params };
  }
  return undefined;
}
