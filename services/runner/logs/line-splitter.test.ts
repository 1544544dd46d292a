import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutAt } from './cut-at.test-support.js';
import { LineSplitter } from './line-splitter.js';
import { MASK, SecretMasker } from './masker.js';

function feed(splitter: LineSplitter, chunks: Buffer[]): string[] {
  const out: string[] = [];
  for (const c of chunks) splitter.push(c, out);
  splitter.end(out);
  return out;
}

describe('LineSplitter', () => {
  it('splits on newlines and keeps a last line without one', () => {
    const s = new LineSplitter(new SecretMasker([]));
    expect(feed(s, [Buffer.from('one\ntwo\nthr'), Buffer.from('ee')])).toEqual(['one', 'two', 'three']);
  });

  it('keeps empty lines', () => {
    const s = new LineSplitter(new SecretMasker([]));
    expect(feed(s, [Buffer.from('a\n\nb\n')])).toEqual(['a', '', 'b']);
  });

  it('masks a secret split across two chunks', () => {
    const s = new LineSplitter(new SecretMasker(['s3cr3t-value']));
    expect(feed(s, [Buffer.from('token=s3cr3'), Buffer.from('t-value done\n')])).toEqual([
      `token=${MASK} done`,
    ]);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const s = new LineSplitter(new SecretMasker([]));
    const bytes = Buffer.from('grüße\n');
    expect(feed(s, [bytes.subarray(0, 3), bytes.subarray(3)])).toEqual(['grüße']);
  });

  it('cuts an over-long line without splitting a secret', () => {
    const s = new LineSplitter(new SecretMasker(['SECRET']), 10);
    const out = feed(s, [Buffer.from('aaaaaaaSECRETbbbbbbbbbbbbb')]);
    expect(out.join('')).toBe(`aaaaaaa${MASK}bbbbbbbbbbbbb`);
    expect(out.every((l) => !l.includes('SECRET'))).toBe(true);
    expect(out.every((l) => l.length <= 10 + MASK.length)).toBe(true);
  });

  it('gives the same lines whatever the chunking, with no secret left readable', () => {
    const secret = 'pa55-w0rd';
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('x', 'é', '\n', secret, 'pa55'), { maxLength: 60 }),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        (parts, cuts) => {
          const text = parts.join('');
          const whole = feed(new LineSplitter(new SecretMasker([secret]), 16), [Buffer.from(text)]);
          const pieces = feed(
            new LineSplitter(new SecretMasker([secret]), 16),
            cutAt(Buffer.from(text), cuts),
          );
          expect(pieces.join('\n')).toBe(whole.join('\n'));
          expect(pieces.some((l) => l.includes(secret))).toBe(false);
        },
      ),
    );
  });
});
