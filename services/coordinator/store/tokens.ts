/**
 * Bearer tokens (webhook tokens, runner tokens) are stored as SHA-256 hashes
 * and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;
/** Random bytes drawn 128 tokens at a time: one call into the system's generator instead of one per token. */
let pool = Buffer.alloc(0);
let used = 0;

/** A new random token: 32 bytes, base64url. */
export function newToken(): string {
  if (used + TOKEN_BYTES > pool.length) {
    pool = randomBytes(TOKEN_BYTES * 128);
    used = 0;
  }
  const token = pool.toString('base64url', used, used + TOKEN_BYTES);
  pool.fill(0, used, used + TOKEN_BYTES);
  used += TOKEN_BYTES;
  return token;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether `presented` hashes to `storedHash`, taking the same time whatever the inputs. */
export function tokenMatches(storedHash: string | null | undefined, presented: string): boolean {
  const actual = Buffer.from(hashToken(presented), 'hex');
  const expected = Buffer.from(
    typeof storedHash === 'string' && /^[0-9a-f]{64}$/.test(storedHash) ? storedHash : '',
    'hex',
  );
  if (expected.length !== actual.length) {
    timingSafeEqual(actual, actual);
    return false;
  }
  return timingSafeEqual(expected, actual);
}
