import { describe, expect, it } from 'vitest';
import { capDescription } from './api.js';
import { GitLabRejectedError } from './errors.js';
import { retryAfterMs } from './map-error.js';

describe('capDescription', () => {
  it('leaves text within the limit alone and cuts longer text to the limit, ending with an ellipsis', () => {
    expect(capDescription('step test failed (exit 2)')).toBe('step test failed (exit 2)');
    const exact = 'x'.repeat(255);
    expect(capDescription(exact)).toBe(exact);
    const cut = capDescription(`${'y'.repeat(300)}`);
    expect(cut).toHaveLength(255);
    expect(cut.endsWith('y…')).toBe(true);
  });

  it('counts characters, not UTF-16 units, and never splits one', () => {
    const cut = capDescription('🚀'.repeat(300));
    expect(Array.from(cut)).toHaveLength(255);
    expect(
      Array.from(cut)
        .slice(0, 254)
        .every((c) => c === '🚀'),
    ).toBe(true);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('30')).toBe(30_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe('GitLabRejectedError', () => {
  it('recognises a refused transition into the state the status already has, in old and new wording', () => {
    const old = new GitLabRejectedError('x', 400, 'Cannot transition status via :run from :running');
    expect(old.alreadyInState).toBe(true);
    const modern = new GitLabRejectedError(
      'x',
      400,
      'Cannot transition status via :enqueue from :pending (Reason(s): Status cannot transition via "enqueue")',
    );
    expect(modern.transition).toEqual({ event: 'enqueue', from: 'pending' });
    expect(modern.alreadyInState).toBe(true);
    const backwards = new GitLabRejectedError(
      'x',
      400,
      'Cannot transition status via :enqueue from :running',
    );
    expect(backwards.alreadyInState).toBe(false);
    expect(new GitLabRejectedError('x', 400, 'Invalid url given').transition).toBeUndefined();
  });
});
