import { describe, expect, it } from 'vitest';
import { LogQueue } from './log-queue.js';

const queue = (maxItems: number, maxBytes = 1e9) =>
  new LogQueue<string>({ maxItems, maxBytes, size: (s) => s.length });

describe('LogQueue', () => {
  it('delivers items in order and ends after close', async () => {
    const q = queue(10);
    q.push('a');
    q.push('b');
    q.close();
    const got: string[] = [];
    for await (const x of q) got.push(x);
    expect(got).toEqual(['a', 'b']);
  });

  it('makes a producer wait while full, and lets it go once the consumer reads', async () => {
    const q = queue(2);
    expect(q.push('1')).toBeUndefined();
    const wait = q.push('2');
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait?.then(() => {
      released = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(released).toBe(false);
    const it = q[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe('1');
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toBe(true);
  });

  it('counts bytes as well as items', () => {
    const q = queue(1000, 10);
    expect(q.push('12345')).toBeUndefined();
    expect(q.push('67890')).toBeInstanceOf(Promise);
  });

  it('stays bounded with a slow consumer and a fast producer', async () => {
    const q = queue(50);
    let peak = 0;
    const producer = (async () => {
      for (let i = 0; i < 5000; i++) {
        const w = q.push(String(i));
        peak = Math.max(peak, q.length);
        if (w) await w;
      }
      q.close();
    })();
    let count = 0;
    let last = -1;
    for await (const x of q) {
      expect(Number(x)).toBe(last + 1);
      last = Number(x);
      count++;
      if (count % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await producer;
    expect(count).toBe(5000);
    expect(peak).toBeLessThanOrEqual(50);
  });

  it('hands out batches', async () => {
    const q = queue(100);
    for (let i = 0; i < 25; i++) q.push(String(i));
    q.close();
    const sizes: number[] = [];
    for await (const b of q.batches(10)) sizes.push(b.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('drops items and frees producers when the consumer stops early', async () => {
    const q = queue(1);
    q.push('a');
    const wait = q.push('b');
    for await (const _ of q) break;
    await expect(wait).resolves.toBeUndefined();
    expect(q.push('c')).toBeUndefined();
    expect(q.length).toBe(0);
  });
});
