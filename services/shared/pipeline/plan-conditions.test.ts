// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold Drone ${...} syntax on purpose
/**
 * Conditions and substitution as a build sees them: per-format glob rules,
 * the branch of tag and merge-request builds, 0.8 `branches:` on tags,
 * matrix excludes, and multi-line variables in the substituted file.
 */
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { jobs, step } from './compile.test-support.js';
import { testBuild } from './testing.js';

const V1_BRANCH = (pattern: string) =>
  `kind: pipeline\nsteps:\n- name: a\n  image: x\n  when:\n    branch: ['${pattern}']\n`;
const V08_BRANCH = (pattern: string) =>
  `pipeline:\n  a:\n    image: x\n    when:\n      branch: ['${pattern}']\n`;

describe('substitution', () => {
  it('quotes a multi-line commit message, so the file still parses and the value arrives whole', () => {
    const message = 'Fix the build\n\nThe cache key: now per branch.\n\t- "quoted" part';
    const ctx = testBuild();
    ctx.commit.message = message;
    const text = `kind: pipeline
steps:
- name: a
  image: alpine
  environment:
    SUBJECT: \${DRONE_COMMIT_MESSAGE}
  commands: [echo done]
`;
    const [job] = jobs(text, ctx);
    expect(step(job, 'a').environment.SUBJECT).toBe(message);
  });

  it('leaves a one-line value unquoted', () => {
    const ctx = testBuild();
    ctx.commit.message = 'one line';
    const text =
      'kind: pipeline\nsteps:\n- name: a\n  image: x\n  commands: [echo ${DRONE_COMMIT_MESSAGE}]\n';
    expect(step(jobs(text, ctx)[0], 'a').commands).toEqual(['echo one line']);
  });
});

describe('branch globs follow each format', () => {
  it('1.x: feature/** matches branches at any depth (doublestar)', () => {
    for (const branch of ['feature/a', 'feature/a/b']) {
      expect(step(jobs(V1_BRANCH('feature/**'), testBuild({ branch }))[0], 'a').run).toBe(true);
    }
    expect(step(jobs(V1_BRANCH('feature/**'), testBuild({ branch: 'main' }))[0], 'a').run).toBe(false);
  });

  it("0.8: feature/** is feature/* (Go's filepath.Match), so it does not cross a '/'", () => {
    expect(step(jobs(V08_BRANCH('feature/**'), testBuild({ branch: 'feature/a' }))[0], 'a').run).toBe(true);
    const deep = step(jobs(V08_BRANCH('feature/**'), testBuild({ branch: 'feature/a/b' }))[0], 'a');
    expect(deep.run).toBe(false);
    expect(deep.skipReason).toBe(
      "its when excludes this build: branch 'feature/a/b' does not match [feature/**]",
    );
  });
});

describe('the branch of tag builds', () => {
  const tag = testBuild({ event: 'tag', tag: 'v1.2.0', branch: 'master' });

  it('is empty for when: and trigger:, so branch: [master] never matches a tag and an exclude always does', () => {
    expect(step(jobs(V1_BRANCH('master'), tag)[0], 'a').run).toBe(false);
    const exclude =
      'kind: pipeline\nsteps:\n- name: a\n  image: x\n  when:\n    branch: {exclude: [master]}\n';
    expect(step(jobs(exclude, tag)[0], 'a').run).toBe(true);
    const trigger = 'kind: pipeline\ntrigger:\n  branch: [master]\nsteps:\n- {name: a, image: x}\n';
    const [job] = jobs(trigger, tag);
    expect(job!.run).toBe(false);
    expect(job!.skipReason).toBe(
      "the pipeline's trigger excludes this build: branch (empty) does not match [master]",
    );
  });

  it('0.8 branches: is ignored on tag and deployment builds, as the Drone 0.8 server did', () => {
    const text = 'branches: [master]\npipeline:\n  a:\n    image: x\n';
    expect(jobs(text, tag)[0]!.run).toBe(true);
    expect(jobs(text, testBuild({ event: 'deployment', branch: 'dev', deployTo: 'prod' }))[0]!.run).toBe(
      true,
    );
    const push = jobs(text, testBuild({ event: 'push', branch: 'dev' }))[0]!;
    expect(push.run).toBe(false);
    expect(push.skipReason).toBe(
      "the pipeline's branches excludes this build: branch 'dev' does not match [master]",
    );
  });
});

describe('the branch of merge-request builds', () => {
  const mr = testBuild({ event: 'pull_request', branch: 'feature/login', targetBranch: 'main' });

  it('is the target branch, in both formats', () => {
    expect(step(jobs(V1_BRANCH('main'), mr)[0], 'a').run).toBe(true);
    expect(step(jobs(V1_BRANCH('feature/*'), mr)[0], 'a').run).toBe(false);
    expect(step(jobs(V08_BRANCH('main'), mr)[0], 'a').run).toBe(true);
    expect(step(jobs(V08_BRANCH('feature/*'), mr)[0], 'a').run).toBe(false);
    expect(jobs('branches: [main]\npipeline:\n  a:\n    image: x\n', mr)[0]!.run).toBe(true);
  });
});

describe('0.8 matrix conditions with exclude', () => {
  const text = `pipeline:
  test:
    image: golang:\${GO}
    commands: [go test]
  coverage:
    image: golang:\${GO}
    commands: [go test -cover]
    when:
      matrix:
        exclude:
          GO: '1.21'
          DB: mysql
  mysql-only:
    image: golang:\${GO}
    when:
      matrix:
        include: {DB: mysql}
        exclude: {GO: '1.22'}
matrix:
  GO: ['1.21', '1.22']
  DB: [mysql, postgres]
`;

  it('skips a step on the axes where every excluded value matches, and runs it on the others', () => {
    const r = compile(text, testBuild());
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    const runs = (name: string) =>
      r.jobs.map((j) => `${j.axis?.GO}/${j.axis?.DB} ${step(j, name).run ? 'run' : 'skip'}`);
    expect(runs('coverage')).toEqual([
      '1.21/mysql skip',
      '1.21/postgres run',
      '1.22/mysql run',
      '1.22/postgres run',
    ]);
    expect(runs('mysql-only')).toEqual([
      '1.21/mysql run',
      '1.21/postgres skip',
      '1.22/mysql skip',
      '1.22/postgres skip',
    ]);
    expect(step(r.jobs[0], 'coverage').skipReason).toBe(
      'its when excludes this build: matrix GO=1.21 DB=mysql is excluded',
    );
    expect(step(r.jobs[2], 'mysql-only').skipReason).toBe(
      'its when excludes this build: matrix GO=1.22 is excluded',
    );
  });
});
