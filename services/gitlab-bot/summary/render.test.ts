import { describe, expect, it } from 'vitest';
import { build, job, step } from '../../../test/bot/build-messages.js';
import { logKey, renderSummary, SUMMARY_MARKER } from './render.js';

describe('the merge-request summary note', () => {
  const failed = build({
    number: 7,
    event: 'pull_request',
    mergeRequestIid: 3,
    status: 'FAILURE',
    startedMs: 1000,
    finishedMs: 65_000,
    jobs: [
      job('test', {
        number: 1,
        status: 'FAILURE',
        startedMs: 1000,
        finishedMs: 61_000,
        steps: [
          step('clone', { number: 1, status: 'SUCCESS', startedMs: 1000, finishedMs: 3000 }),
          step('unit', { number: 2, status: 'FAILURE', exitCode: 2, startedMs: 3000, finishedMs: 61_000 }),
        ],
      }),
      job('build', {
        number: 2,
        status: 'FAILURE',
        startedMs: 1000,
        finishedMs: 5000,
        steps: [
          step('compile', {
            number: 1,
            status: 'FAILURE',
            exitCode: 137,
            oomKilled: true,
            error: 'killed: out of memory (limit 512 MiB)',
            startedMs: 1000,
            finishedMs: 5000,
          }),
        ],
      }),
    ],
  });

  it('starts with the hidden marker and shows each pipeline and step with status, duration and link', () => {
    const text = renderSummary(failed, { publicUrl: 'https://ci.example.com', logs: new Map(), now: 70_000 });
    expect(text.startsWith(`${SUMMARY_MARKER}\n`)).toBe(true);
    expect(text).toContain('[build #7](https://ci.example.com/acme/app/7) failed');
    expect(text).toContain('[test](https://ci.example.com/acme/app/7/1) — failed, 1m 0s');
    expect(text).toContain('| [clone](https://ci.example.com/acme/app/7/1/1) | ✅ passed | 2s |');
    expect(text).toContain('| [unit](https://ci.example.com/acme/app/7/1/2) | ❌ failed (exit 2) | 58s |');
  });

  it('explains a memory kill in words and folds the last log lines of failed steps', () => {
    const lines = ['compiling', 'a line with ``` inside', 'Killed'];
    const text = renderSummary(failed, {
      publicUrl: 'https://ci.example.com',
      logs: new Map([[logKey({ number: 2 }, { name: 'compile' }), lines]]),
    });
    expect(text).toContain(
      '**compile** ran out of memory: it used more than its limit of 512 MiB and the kernel stopped it',
    );
    expect(text).toContain('<details>\n<summary>Last 3 lines of the log of <code>compile</code></summary>');
    // The fence is longer than any backtick run in the log, so the block cannot be closed early.
    expect(text).toContain('````text\ncompiling\na line with ``` inside\nKilled\n````');
    expect(text).not.toContain('Last 0 lines');
  });

  it('shows the file error of a build that could not start', () => {
    const text = renderSummary(build({ status: 'ERROR', error: ".drone.yml:3:1: unknown key 'stepz'" }), {
      publicUrl: 'http://localhost:8000',
      logs: new Map(),
    });
    expect(text).toContain("> .drone.yml:3:1: unknown key 'stepz'");
  });
});
