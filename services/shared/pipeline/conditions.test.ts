import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conditionBranch,
  evaluateConditions,
  evaluateTrigger,
  type MatchContext,
  matchConstraint,
  matchContextFor,
  matchMatrix,
  statusRuns,
  toConstraint,
  toMatrixConstraint,
} from './conditions.js';
import type { BuildContext, Conditions, Constraint } from './types.js';

/** A constraint from a raw YAML value, failing the test when it does not parse. */
function constraint(raw: unknown): Constraint {
  const c = toConstraint(raw);
  if ('error' in c) throw new Error(c.error);
  return c;
}

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

describe('cncd/pipeline constraint_test.go: TestConstraint', () => {
  // Each `conf` is what the YAML in the Go test decodes to.
  const vectors: [unknown, string, boolean][] = [
    ['master', 'develop', false],
    ['master', 'master', true],
    ['feature/*', 'feature/foo', true],
    [['master', 'feature/*'], 'develop', false],
    [['master', 'feature/*'], 'master', true],
    [['master', 'feature/*'], 'feature/foo', true],
    [{ include: 'master' }, 'develop', false],
    [{ include: 'master' }, 'master', true],
    [{ include: 'feature/*' }, 'master', false],
    [{ include: 'feature/*' }, 'feature/foo', true],
    [{ include: ['master', 'feature/*'] }, 'develop', false],
    [{ include: ['master', 'feature/*'] }, 'master', true],
    [{ include: ['master', 'feature/*'] }, 'feature/foo', true],
    [{ exclude: 'master' }, 'develop', true],
    [{ exclude: 'master' }, 'master', false],
    [{ exclude: 'feature/*' }, 'master', true],
    [{ exclude: 'feature/*' }, 'feature/foo', false],
    [{ exclude: ['master', 'develop'] }, 'master', false],
    [{ exclude: ['feature/*', 'bar'] }, 'master', true],
    [{ exclude: ['feature/*', 'bar'] }, 'feature/foo', false],
    [{ include: ['master', 'feature/*'], exclude: ['develop'] }, 'master', true],
    [{ include: ['master', 'feature/*'], exclude: ['feature/bar'] }, 'feature/bar', false],
    [{ include: ['master', 'feature/*'], exclude: ['master', 'develop'] }, 'master', false],
    [null, 'master', true],
  ];

  it.each(vectors)('%j with %s is %s', (conf, value, want) => {
    const c = constraint(conf);
    expect(matchConstraint(c, value, 'filepath')).toBe(want);
    expect(matchConstraint(c, value, 'doublestar')).toBe(want);
  });
});

describe('cncd/pipeline constraint_test.go: TestConstraintMap', () => {
  const vectors: [unknown, Record<string, string>, boolean][] = [
    [{ GOLANG: '1.7' }, { GOLANG: '1.7' }, true],
    [{ GOLANG: 'tip' }, { GOLANG: '1.7' }, false],
    [{ GOLANG: '1.7', REDIS: '3.1' }, { GOLANG: '1.7', REDIS: '3.1', MYSQL: '5.6' }, true],
    [{ GOLANG: '1.7', REDIS: '3.1' }, { GOLANG: '1.7', REDIS: '3.0' }, false],
    // No wildcards in matrix values, as in Drone.
    [{ GOLANG: '1.7', REDIS: '3.*' }, { GOLANG: '1.7', REDIS: '3.0' }, false],
    [{ include: { GOLANG: '1.7' } }, { GOLANG: '1.7' }, true],
    [{ include: { GOLANG: 'tip' } }, { GOLANG: '1.7' }, false],
    [{ include: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.1', MYSQL: '5.6' }, true],
    [{ include: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.0' }, false],
    [{ exclude: { GOLANG: '1.7' } }, { GOLANG: '1.7' }, false],
    [{ exclude: { GOLANG: 'tip' } }, { GOLANG: '1.7' }, true],
    [{ exclude: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.1', MYSQL: '5.6' }, false],
    [{ exclude: { GOLANG: '1.7', REDIS: '3.1' } }, { GOLANG: '1.7', REDIS: '3.0' }, true],
    [{ include: { GOLANG: '1.7' }, exclude: { GOLANG: '1.7' } }, { GOLANG: '1.7' }, false],
    [null, { GOLANG: '1.7', REDIS: '3.0' }, true],
    [{ GOLANG: '1.7' }, {}, false],
    [{ GOLANG: '1.7', REDIS: '3.0' }, {}, false],
    [{ include: { GOLANG: '1.7', REDIS: '3.1' } }, {}, false],
    [{ exclude: { GOLANG: '1.7', REDIS: '3.1' } }, {}, true],
  ];

  it.each(vectors)('%j with %j is %s', (conf, axis, want) => {
    const c = toMatrixConstraint(conf);
    if ('error' in c) throw new Error(c.error);
    expect(matchMatrix(c, axis)).toBe(want);
  });

  it('reads YAML numbers as their text', () => {
    expect(toMatrixConstraint({ GO: 1.7 })).toEqual({ include: { GO: '1.7' }, exclude: {} });
  });

  it('refuses values that are not a map of single values', () => {
    expect(toMatrixConstraint(['GO'])).toHaveProperty('error');
    expect(toMatrixConstraint({ GO: ['1.7'] })).toEqual({ error: 'matrix GO must be a single value' });
    expect(toMatrixConstraint({ include: 'x' })).toHaveProperty('error');
  });
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

describe('toConstraint', () => {
  it('accepts a string, a list, include/exclude maps and nothing', () => {
    expect(toConstraint('master')).toEqual({ include: ['master'], exclude: [] });
    expect(toConstraint(['a', 'b'])).toEqual({ include: ['a', 'b'], exclude: [] });
    expect(toConstraint({ include: 'a', exclude: ['b', 'c'] })).toEqual({
      include: ['a'],
      exclude: ['b', 'c'],
    });
    expect(toConstraint({ exclude: null })).toEqual({ include: [], exclude: [] });
    expect(toConstraint(null)).toEqual({ include: [], exclude: [] });
    expect(toConstraint(undefined)).toEqual({ include: [], exclude: [] });
  });

  it('reads numbers and booleans as their text', () => {
    expect(toConstraint([1, true])).toEqual({ include: ['1', 'true'], exclude: [] });
  });

  it('says what is wrong with anything else', () => {
    expect(toConstraint({ branch: 'master' })).toEqual({
      error: "unknown key 'branch'; use include and exclude, each a string or a list of strings",
    });
    expect(toConstraint([['nested']])).toEqual({
      error: 'expected a string, a list of strings or a map with include and exclude',
    });
    expect(toConstraint({ include: { a: 1 } })).toEqual({
      error: 'include must be a string or a list of strings',
    });
    expect(toConstraint({ exclude: [{}] })).toEqual({
      error: 'exclude must be a string or a list of strings',
    });
  });
});

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

describe('condition properties', () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,15}$/);

  it('a constraint with only excludes never matches an excluded value and matches every other', () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 5 }), name, (excluded, other) => {
        const c = constraint({ exclude: excluded });
        for (const value of excluded) expect(matchConstraint(c, value)).toBe(false);
        expect(matchConstraint(c, other)).toBe(!excluded.includes(other));
      }),
    );
  });

  it('a list of plain names matches exactly its members', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 5 }), name, (included, value) => {
        const c = constraint(included);
        expect(matchConstraint(c, value)).toBe(included.length === 0 || included.includes(value));
      }),
    );
  });

  it('exclude wins whatever the include says', () => {
    fc.assert(
      fc.property(fc.array(name, { maxLength: 4 }), name, (included, value) => {
        const c = constraint({ include: [...included, value, '*', '**'], exclude: [value] });
        expect(matchConstraint(c, value, 'doublestar')).toBe(false);
        expect(matchConstraint(c, value, 'filepath')).toBe(false);
      }),
    );
  });
});
