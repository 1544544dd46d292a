import { describe, expect, it } from 'vitest';
import { constraint } from './compile.test-support.js';
import { conditionBranch, evaluateConditions, matchContextFor } from './conditions.js';
import type { BuildContext, Conditions } from './types.js';

const build = (over: Partial<BuildContext> = {}): BuildContext => ({
  repo: { slug: 'group/sub/project' },
  commit: { sha: 'abc', ref: 'refs/heads/feature/x', branch: 'feature/x' },
  build: { number: 3, event: 'push' },
  trusted: false,
  ...over,
});

describe('matchContextFor and the branch conditions see', () => {
  it('uses the pushed branch for a push', () => {
    const m = matchContextFor(build(), { os: 'linux', arch: 'arm64' });
    expect(m).toMatchObject({
      branch: 'feature/x',
      event: 'push',
      ref: 'refs/heads/feature/x',
      repo: 'group/sub/project',
      platform: 'linux/arm64',
      status: 'success',
      glob: 'doublestar',
    });
  });

  it('uses the target branch for a merge request', () => {
    const ctxPr = build({
      commit: { sha: 'abc', ref: 'refs/merge-requests/5/head', branch: 'feature/x' },
      build: { number: 4, event: 'pull_request' },
      pullRequest: { number: 5, sourceBranch: 'feature/x', targetBranch: 'main' },
    });
    expect(conditionBranch(ctxPr)).toBe('main');
    const c: Conditions = { branch: constraint('main') };
    expect(evaluateConditions(c, matchContextFor(ctxPr, { os: 'linux', arch: 'amd64' })).match).toBe(true);
  });

  it('gives a tag build no branch: an included branch never matches, an excluded one always does', () => {
    const tag = build({
      commit: { sha: 'abc', ref: 'refs/tags/v1.0.0', branch: 'main' },
      build: { number: 5, event: 'tag' },
      tag: 'v1.0.0',
    });
    const m = matchContextFor(tag, { os: 'linux', arch: 'amd64' });
    expect(m.branch).toBe('');
    expect(evaluateConditions({ branch: constraint('main') }, m)).toEqual({
      match: false,
      reason: 'branch (empty) does not match [main]',
    });
    expect(evaluateConditions({ branch: constraint({ exclude: 'main' }) }, m).match).toBe(true);
  });

  it('carries deploy target, cron, action, instance and the axis', () => {
    const m = matchContextFor(
      build({
        build: { number: 1, event: 'promote', deployTo: 'production', cron: 'nightly', action: 'opened' },
        instance: 'hangar.example.com',
      }),
      { os: 'linux', arch: 'amd64' },
      { GO: '1.22' },
      '0.8',
    );
    expect(m).toMatchObject({
      environment: 'production',
      target: 'production',
      cron: 'nightly',
      action: 'opened',
      instance: 'hangar.example.com',
      matrix: { GO: '1.22' },
      glob: 'filepath',
    });
  });
});
