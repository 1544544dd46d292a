import { describe, expect, it } from 'vitest';
import { build, job, step } from '../../../test/bot/build-messages.js';
import { describeBuild, statusName } from './describe.js';

const opts = { prefix: 'hangar', publicUrl: 'https://ci.example.com' };

describe('commit statuses of a build', () => {
  it('names one status per pipeline and matrix axis, linked to the build page', () => {
    const b = build({
      repoSlug: 'acme/sub group/app',
      number: 12,
      status: 'RUNNING',
      jobs: [
        job('test', { number: 1, axis: { GO_VERSION: '1.21' }, status: 'QUEUED' }),
        job('test', {
          number: 2,
          axis: { GO_VERSION: '1.22', DB: 'pg' },
          status: 'RUNNING',
          steps: [step('unit', { status: 'RUNNING' })],
        }),
        job('lint', { number: 3, status: 'SKIPPED' }),
      ],
    });
    expect(describeBuild(b, opts)).toEqual([
      {
        name: 'hangar/test (GO_VERSION=1.21)',
        state: 'pending',
        description: 'waiting for a runner',
        targetUrl: 'https://ci.example.com/acme/sub%20group/app/12',
      },
      {
        name: 'hangar/test (DB=pg, GO_VERSION=1.22)',
        state: 'running',
        description: 'running step unit',
        targetUrl: 'https://ci.example.com/acme/sub%20group/app/12',
      },
    ]);
    expect(statusName('ci', 'deploy')).toBe('ci/deploy');
  });

  it('says which step failed and how, in words', () => {
    const failed = build({
      status: 'FAILURE',
      jobs: [
        job('default', {
          status: 'FAILURE',
          steps: [
            step('clone', { status: 'SUCCESS' }),
            step('test', { status: 'FAILURE', exitCode: 2, error: 'exited with code 2' }),
          ],
        }),
        job('mem', {
          status: 'FAILURE',
          steps: [
            step('build', {
              status: 'FAILURE',
              exitCode: 137,
              oomKilled: true,
              error: 'killed: out of memory (limit 512 MiB)',
            }),
          ],
        }),
        job('slow', { status: 'KILLED', error: 'timed out after 60 minutes' }),
        job('lost', { status: 'ERROR', error: 'runner lost' }),
        job('ok', { status: 'SUCCESS', startedMs: 1000, finishedMs: 91_000 }),
      ],
    });
    expect(describeBuild(failed, opts).map((s) => [s.name, s.state, s.description])).toEqual([
      ['hangar/default', 'failed', 'step test failed (exit 2)'],
      ['hangar/mem', 'failed', 'step build killed: out of memory (limit 512 MiB)'],
      ['hangar/slow', 'canceled', 'cancelled: timed out after 60 minutes'],
      ['hangar/lost', 'failed', 'runner lost'],
      ['hangar/ok', 'success', 'passed in 1m 30s'],
    ]);
  });

  it('gives a build without pipelines one status carrying the file error with line and column', () => {
    const invalid = build({ status: 'ERROR', error: ".drone.yml:12:5: unknown key 'imgae'" });
    expect(describeBuild(invalid, opts)).toEqual([
      {
        name: 'hangar',
        state: 'failed',
        description: ".drone.yml:12:5: unknown key 'imgae'",
        targetUrl: 'https://ci.example.com/acme/app/1',
      },
    ]);
    expect(describeBuild(build({ status: 'SKIPPED' }), opts)).toEqual([]);
  });
});
