import { describe, expect, it } from 'vitest';
import type { BuildJson } from '../client/api.js';
import { buildDetails } from './build.js';

type PipelineJson = BuildJson['pipelines'][number];

function pipeline(over: Partial<PipelineJson>): PipelineJson {
  return {
    number: 1,
    name: 'default',
    axis: {},
    status: 'pending',
    depends_on: [],
    runner: '',
    attempt: 0,
    error: '',
    started_at: null,
    finished_at: null,
    steps: [],
    ...over,
  };
}

function build(pipelines: PipelineJson[]): BuildJson {
  return {
    id: 7,
    number: 3,
    repo: 'acme/app',
    status: 'pending',
    event: 'push',
    ref: 'refs/heads/main',
    branch: 'main',
    sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    message: 'Update README',
    title: '',
    author: 'jsmith',
    source_branch: '',
    target_branch: '',
    merge_request_iid: null,
    fork: false,
    link: '',
    error: '',
    parent: null,
    params: {},
    url: 'http://hangar.example/acme/app/3',
    created_at: '2026-11-26T18:00:00.000Z',
    started_at: null,
    finished_at: null,
    pipelines,
  };
}

describe('hangar build info (table)', () => {
  it('prints why a pipeline waits below the table, naming the pipeline', () => {
    const reason = 'waiting for a runner with labels gpu=true; connected runners: 1, none has them';
    const out = buildDetails(
      build([
        pipeline({ name: 'train', error: reason }),
        pipeline({ number: 2, name: 'lint', status: 'running' }),
      ]),
    );
    expect(out).toContain(`pipeline 1 train: ${reason}`);
    expect(out).not.toContain('pipeline 2 lint:');
  });

  it('prints no notes when no pipeline has one', () => {
    const out = buildDetails(build([pipeline({ name: 'lint' })]));
    expect(out).not.toMatch(/^pipeline \d/m);
    expect(out).toContain('lint');
  });
});
