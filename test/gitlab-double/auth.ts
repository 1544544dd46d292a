import type { IncomingMessage } from 'node:http';
import { ApiError } from './http-kit.js';
import type { Route } from './router.js';
import type { DoubleState, Scope, Token, User } from './state.js';

/**
 * GitLab's API authentication: a `PRIVATE-TOKEN` header, an
 * `Authorization: Bearer` header, or a `private_token` / `access_token` query
 * parameter; then the token's scopes must allow the route.
 */
export function authenticate(
  state: DoubleState,
  headers: IncomingMessage['headers'],
  url: URL,
  access: Route['access'],
): { user: User; token: Token } {
  const value = presentedToken(headers, url);
  const token = value === undefined ? undefined : state.tokens.get(value);
  if (!token) throw new ApiError(401, { message: '401 Unauthorized' });
  if (token.revoked) {
    throw new ApiError(401, {
      error: 'invalid_token',
      error_description: 'Token was revoked. You have to re-authorize from the user.',
    });
  }
  const user = state.user(token.userId);
  if (!user) throw new ApiError(401, { message: '401 Unauthorized' });
  const allowed = ALLOWED[access];
  if (!token.scopes.some((s) => allowed.includes(s))) {
    throw new ApiError(
      403,
      {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: allowed.join(' '),
      },
      {
        'www-authenticate': `Bearer realm="", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="${allowed.join(' ')}"`,
      },
    );
  }
  return { user, token };
}

const ALLOWED: Record<Route['access'], Scope[]> = {
  read: ['api', 'read_api'],
  write: ['api'],
  user: ['api', 'read_api', 'read_user'],
};

function presentedToken(headers: IncomingMessage['headers'], url: URL): string | undefined {
  const header = headers['private-token'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m?.[1]) return m[1].trim();
  }
  return url.searchParams.get('private_token') ?? url.searchParams.get('access_token') ?? undefined;
}

/**
 * Clone credentials: HTTP basic auth whose password is an access token with a
 * repository or api scope (any user name, as GitLab accepts), or one of the
 * extra user/password pairs the test registered.
 */
export function gitUser(
  state: DoubleState,
  headers: IncomingMessage['headers'],
  extra: ReadonlyMap<string, { password: string; userId: number }>,
): User | undefined {
  const basic = basicCredentials(headers);
  if (basic === undefined) return undefined;
  const { username, password } = basic;
  const pair = extra.get(username);
  if (pair && pair.password === password) return state.user(pair.userId);
  const token = state.tokens.get(password);
  if (!token || token.revoked) return undefined;
  if (!token.scopes.some((s) => s === 'api' || s === 'read_repository' || s === 'write_repository'))
    return undefined;
  return state.user(token.userId);
}

function basicCredentials(
  headers: IncomingMessage['headers'],
): { username: string; password: string } | undefined {
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /^Basic\s+(.+)$/i.exec(auth) : null;
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The user name of HTTP Basic credentials, for the request log; the password is never kept. */
export function basicLogin(headers: IncomingMessage['headers']): string | undefined {
  return basicCredentials(headers)?.username;
}
