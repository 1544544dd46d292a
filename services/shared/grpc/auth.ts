/**
 * Authentication metadata shared by the coordinator and its clients:
 *   authorization: Bearer <DRONE_SECRET or a runner's own token>
 *   x-hangar-runner-id: <runner id>   (runners, after Register)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';

export const AUTHORIZATION = 'authorization';
export const RUNNER_ID = 'x-hangar-runner-id';

/** Metadata a client sends with every call. */
export function authMetadata(token: string, runnerId?: number): Metadata {
  const md = new Metadata();
  md.set(AUTHORIZATION, `Bearer ${token}`);
  if (runnerId !== undefined) md.set(RUNNER_ID, String(runnerId));
  return md;
}

/** The bearer token of a call, or undefined when there is none. */
export function bearerToken(md: Metadata): string | undefined {
  const [value] = md.get(AUTHORIZATION);
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(value.trim());
  return m?.[1];
}

/** The runner id a call says it comes from, when it is a positive whole number. */
export function runnerIdOf(md: Metadata): number | undefined {
  const [value] = md.get(RUNNER_ID);
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  const id = Number(value);
  return id > 0 ? id : undefined;
}

/**
 * Whether two secrets are equal, in time that depends on neither: both are
 * hashed first, so lengths leak nothing either.
 */
export function secretsEqual(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, b);
}
