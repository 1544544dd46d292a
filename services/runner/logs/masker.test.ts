import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK, SecretMasker } from './masker.js';

describe('SecretMasker', () => {
  it('replaces every occurrence of every secret', () => {
    const m = new SecretMasker(['hunter2', 'tok-123']);
    expect(m.mask('login hunter2 then tok-123 and hunter2')).toBe(`login ${MASK} then ${MASK} and ${MASK}`);
  });

  it('replaces the longer of two overlapping secrets whole', () => {
    const m = new SecretMasker(['abc', 'abcdef']);
    expect(m.mask('xabcdefx')).toBe(`x${MASK}x`);
  });

  it('masks each line of a multi-line secret', () => {
    const m = new SecretMasker(['-----BEGIN KEY-----\nAAAABBBB\n-----END KEY-----\n']);
    expect(m.mask('AAAABBBB')).toBe(MASK);
    expect(m.mask('-----END KEY-----')).toBe(MASK);
  });

  it('ignores empty values', () => {
    const m = new SecretMasker(['', '']);
    expect(m.empty).toBe(true);
    expect(m.mask('anything')).toBe('anything');
  });

  it('moves a cut left of a secret that straddles it', () => {
    const m = new SecretMasker(['SECRET']);
    const text = 'xxxxSECRETyyyy';
    expect(m.safeCut(text, 7)).toBe(4);
    expect(m.safeCut(text, 4)).toBe(4);
    expect(m.safeCut(text, 10)).toBe(10);
  });

  it('never leaves a secret readable when the two halves of a cut are masked apart', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom('a', 'b', 'S'), { maxLength: 40 }),
        fc.nat(50),
        (secret, parts, want) => {
          fc.pre(!secret.includes(MASK[0] ?? '*'));
          const text = parts.join('').replaceAll('S', secret);
          const m = new SecretMasker([secret]);
          const cut = m.safeCut(text, Math.min(want, text.length));
          const masked = m.mask(text.slice(0, cut)) + m.mask(text.slice(cut));
          expect(masked.includes(secret) && !m.mask(text).includes(secret)).toBe(false);
        },
      ),
    );
  });
});
