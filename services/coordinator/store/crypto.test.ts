import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cipher, parseSecretKey } from './crypto.js';
import { hashToken, newToken, tokenMatches } from './tokens.js';

describe('Cipher', () => {
  const key = randomBytes(32);
  const cipher = new Cipher(key);

  it('round-trips a value, including non-ASCII text', () => {
    const sealed = cipher.encrypt('pässwörd 🔑', 'secret:1:TOKEN');
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('pässwörd');
    expect(cipher.decrypt(sealed, 'secret:1:TOKEN')).toBe('pässwörd 🔑');
  });

  it('seals the same value differently each time', () => {
    expect(cipher.encrypt('x', 'c')).not.toBe(cipher.encrypt('x', 'c'));
  });

  it('refuses a value sealed for another row or with another key, or tampered with', () => {
    const sealed = cipher.encrypt('value', 'secret:1:A');
    expect(cipher.decrypt(sealed, 'secret:2:A')).toBeUndefined();
    expect(new Cipher(randomBytes(32)).decrypt(sealed, 'secret:1:A')).toBeUndefined();
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(cipher.decrypt(`v1:${raw.toString('base64')}`, 'secret:1:A')).toBeUndefined();
    expect(cipher.decrypt('plaintext', 'secret:1:A')).toBeUndefined();
  });

  it('needs a 32-byte key', () => {
    expect(() => new Cipher(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('parseSecretKey', () => {
  const key = randomBytes(32);
  it.each([
    ['hex', key.toString('hex')],
    ['upper-case hex', key.toString('hex').toUpperCase()],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
  ])('reads %s', (_, text) => expect(parseSecretKey(text)).toEqual(key));

  it.each(['', 'short', 'ab'.repeat(31), 'ab'.repeat(33), randomBytes(24).toString('base64')])(
    'refuses %j',
    (text) => expect(parseSecretKey(text)).toBeUndefined(),
  );
});

describe('tokens', () => {
  it('matches only the token that was hashed', () => {
    const token = newToken();
    const hash = hashToken(token);
    expect(hash).not.toContain(token);
    expect(tokenMatches(hash, token)).toBe(true);
    expect(tokenMatches(hash, `${token}x`)).toBe(false);
    expect(tokenMatches(null, token)).toBe(false);
    expect(tokenMatches('not-a-hash', token)).toBe(false);
  });
});
