/**
 * The REST API's authentication: `Authorization: Bearer <HANGAR_ADMIN_TOKEN>`,
 * compared in constant time (both sides hashed to the same length first).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from './http-error.js';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="hangar"' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `presented` equals `expected`, in time that does not depend on where they differ. */
export function tokenEquals(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

export function requireAdminToken(adminToken: string | undefined): Middleware {
  const expected = adminToken === undefined || adminToken === '' ? undefined : adminToken;
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const presented = m?.[1] ?? '';
    // Compare even when nothing usable was sent, so timing tells nothing.
    const ok = tokenEquals(expected ?? '\0', presented) && expected !== undefined && presented !== '';
    if (!ok) {
      if (expected === undefined) {
        throw new HttpError(
          401,
          'the API is off on this server: set HANGAR_ADMIN_TOKEN on the server and send it as HANGAR_TOKEN',
          CHALLENGE,
        );
      }
      throw new HttpError(
        401,
        header === ''
          ? 'send the API token in an Authorization: Bearer header (HANGAR_TOKEN for the hangar CLI)'
          : 'the API token is not accepted; use the HANGAR_ADMIN_TOKEN set on the server',
        CHALLENGE,
      );
    }
    await next();
  };
}
