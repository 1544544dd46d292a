import { describe, expect, it } from 'vitest';
import { constraint } from './compile.test-support.js';
import { evaluateConditions, evaluateTrigger, type MatchContext, statusRuns } from './conditions.js';
import type { Conditions } from './types.js';

const ctx = (over: Partial<MatchContext> = {}): MatchContext => ({
  branch: 'master',
  event: 'push',
  ref: 'refs/heads/master',
  repo: 'group/project',
  status: 'success',
  platform: 'linux/amd64',
  instance: 'ci.example.com',
  environment: '',
  target: '',
  cron: '',
  action: '',
  ...over,
});

describe('cncd/pipeline constraint_test.go: TestConstraints', () => {
  const vectors: [Conditions, Partial<MatchContext>, boolean][] = [
    [{}, {}, true],
    [{ branch: constraint('develop') }, { branch: 'master' }, false],
    [{ branch: constraint('master') }, { branch: 'master' }, true],
    [{ repo: constraint('drone/*') }, { repo: 'drone/drone' }, true],
    [{ repo: constraint('octocat/*') }, { repo: 'drone/drone' }, false],
    [{ platform: constraint('linux/amd64') }, { platform: 'linux/amd64' }, true],
    [{ repo: constraint('linux/amd64') }, { platform: 'windows/amd64', repo: '' }, false],
  ];

  it.each(vectors)('%j with %j is %s', (conditions, over, want) => {
    expect(evaluateConditions(conditions, ctx(over)).match).toBe(want);
  });
});

describe('evaluateConditions', () => {
  it('requires every field to match and says which one did not', () => {
    const c: Conditions = { event: constraint(['push', 'tag']), branch: constraint(['master', 'release/*']) };
    expect(evaluateConditions(c, ctx({ branch: 'release/1.0' }))).toEqual({ match: true });
    expect(evaluateConditions(c, ctx({ branch: 'dev' }))).toEqual({
      match: false,
      reason: "branch 'dev' does not match [master, release/*]",
    });
    expect(evaluateConditions(c, ctx({ event: 'pull_request', branch: 'dev' }))).toEqual({
      match: false,
      reason: "event 'pull_request' does not match [push, tag]",
    });
  });

  it('lets exclude win over include and says so', () => {
    const c: Conditions = { branch: constraint({ include: ['feature/*'], exclude: ['feature/wip-*'] }) };
    expect(evaluateConditions(c, ctx({ branch: 'feature/login' })).match).toBe(true);
    expect(evaluateConditions(c, ctx({ branch: 'feature/wip-login' }))).toEqual({
      match: false,
      reason: "branch 'feature/wip-login' is excluded by [feature/wip-*]",
    });
  });

  it('matches everything when include is empty', () => {
    const c: Conditions = { branch: constraint({ exclude: [] }), event: constraint([]) };
    expect(evaluateConditions(c, ctx({ branch: 'anything', event: 'cron' })).match).toBe(true);
  });

  it('checks every non-status field against its value', () => {
    const fields = [
      'ref',
      'repo',
      'platform',
      'instance',
      'environment',
      'target',
      'cron',
      'action',
    ] as const;
    for (const field of fields) {
      const c: Conditions = { [field]: constraint('wanted') };
      expect(evaluateConditions(c, ctx({ [field]: 'wanted' })).match).toBe(true);
      expect(evaluateConditions(c, ctx({ [field]: 'other' }))).toEqual({
        match: false,
        reason: `${field} 'other' does not match [wanted]`,
      });
    }
  });

  it('ignores status, which decides when a step runs instead', () => {
    expect(evaluateConditions({ status: constraint('failure') }, ctx()).match).toBe(true);
  });

  it('names an empty value as empty', () => {
    expect(evaluateConditions({ target: constraint('production') }, ctx())).toEqual({
      match: false,
      reason: 'target (empty) does not match [production]',
    });
  });

  it('checks the 0.8 matrix condition against the axis', () => {
    const c: Conditions = { matrix: { GO: '1.22', DB: 'pg' } };
    expect(evaluateConditions(c, ctx({ matrix: { GO: '1.22', DB: 'pg', X: '1' } })).match).toBe(true);
    expect(evaluateConditions(c, ctx({ matrix: { GO: '1.21', DB: 'pg' } }))).toEqual({
      match: false,
      reason: 'matrix GO=1.21 does not match GO=1.22',
    });
    expect(evaluateConditions(c, ctx())).toEqual({
      match: false,
      reason: 'matrix GO is not set, the step wants GO=1.22',
    });
  });

  it('uses doublestar for 1.x files and filepath.Match for 0.8 files', () => {
    const c: Conditions = { ref: constraint(['refs/tags/**', 'refs/pull/**']) };
    const pr = { ref: 'refs/pull/7/head' };
    expect(evaluateConditions(c, ctx({ ...pr, glob: 'doublestar' })).match).toBe(true);
    expect(evaluateConditions(c, ctx(pr)).match).toBe(true);
    expect(evaluateConditions(c, ctx({ ...pr, glob: 'filepath' })).match).toBe(false);
  });
});

describe('statusRuns', () => {
  it('runs on success only when no status is given', () => {
    expect(statusRuns({})).toEqual({ onSuccess: true, onFailure: false });
    expect(statusRuns({ status: constraint([]) })).toEqual({ onSuccess: true, onFailure: false });
  });

  it('runs only after a failure with status: [failure]', () => {
    expect(statusRuns({ status: constraint('failure') })).toEqual({ onSuccess: false, onFailure: true });
  });

  it('runs always with both, or with a wildcard', () => {
    expect(statusRuns({ status: constraint(['success', 'failure']) })).toEqual({
      onSuccess: true,
      onFailure: true,
    });
    expect(statusRuns({ status: constraint('*') })).toEqual({ onSuccess: true, onFailure: true });
  });

  it('honours excludes', () => {
    expect(statusRuns({ status: constraint({ exclude: 'success' }) })).toEqual({
      onSuccess: false,
      onFailure: true,
    });
    expect(statusRuns({ status: constraint({ exclude: 'failure' }) })).toEqual({
      onSuccess: true,
      onFailure: false,
    });
  });
});

describe('evaluateTrigger', () => {
  const branches: Conditions = { branch: constraint('master') };

  it('ignores 0.8 branches: for tag and deployment builds, as Drone 0.8 did', () => {
    for (const event of ['tag', 'deployment']) {
      expect(evaluateTrigger(branches, ctx({ event, branch: '' }), '0.8')).toEqual({ match: true });
    }
    expect(evaluateTrigger(branches, ctx({ branch: 'dev' }), '0.8').match).toBe(false);
  });

  it('applies 1.x branch triggers to tags too', () => {
    expect(evaluateTrigger(branches, ctx({ event: 'tag', branch: '' }), '1.x').match).toBe(false);
  });

  it('still checks the other fields of a 0.8 tag build', () => {
    const c: Conditions = { ...branches, event: constraint('push') };
    expect(evaluateTrigger(c, ctx({ event: 'tag', branch: '' }), '0.8')).toEqual({
      match: false,
      reason: "event 'tag' does not match [push]",
    });
  });
});
