import { describe, expect, it } from 'vitest';
import { describeEnd, formatDuration } from './outcome.js';

const MiB = 1024 * 1024;

describe('describeEnd', () => {
  it('calls exit 0 a success', () => {
    expect(describeEnd({ exitCode: 0, oomKilled: false })).toEqual({
      status: 'success',
      exitCode: 0,
      oomKilled: false,
    });
  });

  it('says which code a failed step exited with', () => {
    expect(describeEnd({ exitCode: 2, oomKilled: false }).error).toBe('exited with code 2');
  });

  it('reports a memory kill with the limit instead of a bare 137', () => {
    const e = describeEnd({ exitCode: 137, oomKilled: true, memLimit: 512 * MiB });
    expect(e).toMatchObject({
      status: 'failure',
      oomKilled: true,
      error: 'killed: out of memory (limit 512 MiB)',
    });
  });

  it('treats exit 137 under a memory limit as a memory kill even when Docker did not flag it', () => {
    expect(describeEnd({ exitCode: 137, oomKilled: false, memLimit: 64 * MiB }).error).toBe(
      'killed: out of memory (limit 64 MiB)',
    );
    expect(describeEnd({ exitCode: 137, oomKilled: false }).oomKilled).toBe(false);
  });

  it('reports timeouts and cancellation as killed, not as a memory kill', () => {
    expect(
      describeEnd({ exitCode: 137, oomKilled: false, memLimit: MiB, timedOutAfterMs: 90_000 }),
    ).toMatchObject({
      status: 'killed',
      oomKilled: false,
      error: 'timed out after 1m30s',
    });
    expect(describeEnd({ exitCode: 143, oomKilled: false, killedBecause: 'cancelled' })).toMatchObject({
      status: 'killed',
      error: 'cancelled',
    });
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [5000, '5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_723_000, '1h2m3s'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
