import { describe, expect, it } from 'vitest';
import { LeaseLostError, truncationMarker } from '../../services/coordinator/store/index.js';
import { ENGINES, newRepo, PUSH, plan, useDatabase } from './engines.js';

const LIMIT = 2048;

describe.each(ENGINES)('step logs on %s', (engine) => {
  const db = useDatabase(engine);

  async function setup() {
    const store = await db.open({ logLimit: LIMIT });
    const repo = await newRepo(store);
    const runner = await store.runners.register({ name: `${engine}-logs-${repo.id}` });
    const { jobs, steps } = await store.builds.create(repo.id, PUSH, [{ plan: plan('default', ['test']) }]);
    const job = jobs[0];
    const step = steps[1];
    if (!job || !step) throw new Error('no job');
    const lease = await store.jobs.claim(job.id, runner.id, 30_000);
    if (!lease) throw new Error('claim failed');
    return { store, step, proof: { jobId: job.id, token: lease.token } };
  }

  it('stores a resent batch once and acknowledges the highest contiguous seq', async () => {
    const { store, step, proof } = await setup();
    expect(await store.logs.append(step.id, [{ seq: 1, lines: ['one', 'two'] }], proof)).toEqual({
      acked: 1,
      stored: 1,
      truncated: false,
    });
    // Batch 3 arrives before 2: stored, but the acknowledgement waits for 2.
    expect(await store.logs.append(step.id, [{ seq: 3, lines: ['five'] }], proof)).toMatchObject({
      acked: 1,
      stored: 1,
    });
    // A reconnecting runner resends everything above its last acknowledgement.
    const resend = [
      { seq: 2, lines: ['three', 'four'] },
      { seq: 3, lines: ['five'] },
      { seq: 4, lines: ['six'] },
    ];
    expect(await store.logs.append(step.id, resend, proof)).toEqual({
      acked: 4,
      stored: 2,
      truncated: false,
    });
    expect(await store.logs.append(step.id, resend, proof)).toEqual({
      acked: 4,
      stored: 0,
      truncated: false,
    });
    expect(await store.logs.text(step.id)).toBe('one\ntwo\nthree\nfour\nfive\nsix\n');
  });

  it('stores a batch sent twice at the same moment once', async () => {
    const { store, step, proof } = await setup();
    const batch = [{ seq: 1, lines: ['only once'] }];
    const results = await Promise.all([1, 2, 3, 4].map(() => store.logs.append(step.id, batch, proof)));
    expect(results.reduce((n, r) => n + r.stored, 0)).toBe(1);
    expect(await store.logs.text(step.id)).toBe('only once\n');
  });

  it('reads in order from an offset, never past a gap', async () => {
    const { store, step, proof } = await setup();
    await store.logs.append(
      step.id,
      [1, 2, 3, 5].map((seq) => ({ seq, lines: [`line ${seq}`] })),
      proof,
    );
    expect((await store.logs.read(step.id)).map((c) => [c.seq, c.text, c.lines])).toEqual([
      [1, 'line 1\n', 1],
      [2, 'line 2\n', 1],
      [3, 'line 3\n', 1],
    ]);
    expect((await store.logs.read(step.id, { afterSeq: 1, limit: 1 })).map((c) => c.seq)).toEqual([2]);
    await store.logs.append(step.id, [{ seq: 4, lines: ['line 4'] }], proof);
    expect((await store.logs.read(step.id, { afterSeq: 3 })).map((c) => c.seq)).toEqual([4, 5]);
  });

  it('stores a large resend in any order once, around batches it already holds', async () => {
    const { store, step, proof } = await setup();
    const batch = (seq: number) => ({ seq, lines: [`line ${seq}a`, `line ${seq}b`] });
    expect(await store.logs.append(step.id, [batch(40), batch(5)], proof)).toMatchObject({
      acked: 0,
      stored: 2,
    });
    // 61 batches arrive at once, shuffled and with one of them twice.
    const resend = Array.from({ length: 61 }, (_, i) => batch(((i * 37) % 61) + 1));
    resend.push(batch(17));
    expect(await store.logs.append(step.id, resend, proof)).toEqual({
      acked: 61,
      stored: 59,
      truncated: false,
    });
    const expected = Array.from({ length: 61 }, (_, i) => `line ${i + 1}a\nline ${i + 1}b\n`);
    expect(await store.logs.text(step.id)).toBe(expected.join(''));
    const read = await store.logs.read(step.id, { afterSeq: 30 });
    expect(read.map((c) => c.seq)).toEqual(Array.from({ length: 31 }, (_, i) => i + 31));
    expect(read.every((c) => c.lines === 2)).toBe(true);
  });

  it('cuts a step log at the limit with a visible marker and keeps acknowledging', async () => {
    const { store, step, proof } = await setup();
    const line = 'x'.repeat(99);
    const batches = Array.from({ length: 30 }, (_, i) => ({ seq: i + 1, lines: [line, line] }));
    const result = await store.logs.append(step.id, batches.slice(0, 15), proof);
    expect(result).toEqual({ acked: 15, stored: 15, truncated: true });
    const more = await store.logs.append(step.id, batches.slice(15), proof);
    expect(more).toEqual({ acked: 30, stored: 15, truncated: true });
    const text = await store.logs.text(step.id);
    const marker = truncationMarker(LIMIT);
    expect(marker).toContain('more than 2 KiB');
    expect(text.endsWith(marker)).toBe(true);
    expect(text.indexOf(marker)).toBe(text.length - marker.length);
    const kept = text.slice(0, -marker.length);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(LIMIT);
    expect(kept.split('\n').filter((l) => l !== '')).toEqual(Array(20).fill(line));
    expect(await store.logs.state(step.id)).toMatchObject({ acked: 30, truncated: true });
  });

  it('cuts a first line longer than the whole limit rather than keeping nothing', async () => {
    const { store, step, proof } = await setup();
    await store.logs.append(step.id, [{ seq: 1, lines: ['é'.repeat(LIMIT)] }], proof);
    const text = await store.logs.text(step.id);
    const kept = text.slice(0, -truncationMarker(LIMIT).length);
    expect(kept).toBe(`${'é'.repeat((LIMIT - 2) / 2)}\n`);
  });

  it('keeps NUL bytes and multi-byte text from breaking storage', async () => {
    const { store, step, proof } = await setup();
    await store.logs.append(step.id, [{ seq: 1, lines: ['a\0b', 'grüße ✓'] }], proof);
    expect(await store.logs.text(step.id)).toBe('a\uFFFDb\ngrüße ✓\n');
  });

  it('refuses logs from a runner without the lease, and for a step of another job', async () => {
    const { store, step, proof } = await setup();
    const other = await setup();
    await expect(
      store.logs.append(step.id, [{ seq: 1, lines: ['x'] }], { ...proof, token: 'nope' }),
    ).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.logs.append(other.step.id, [{ seq: 1, lines: ['x'] }], proof)).rejects.toThrow(
      /step \d+ does not exist in job \d+/,
    );
    expect(await store.logs.text(other.step.id)).toBe('');
    await expect(store.logs.append(step.id, [{ seq: 0, lines: ['x'] }], proof)).rejects.toThrow(
      /seq must be 1 or more/,
    );
  });
});
