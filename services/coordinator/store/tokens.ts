/**
 * Bearer tokens (webhook tokens, runner tokens) are stored as SHA-256 hashes
 * and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token: 32 bytes, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
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
