// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are ${...} expressions under test, not templates.
import { describe, expect, it } from 'vitest';
import { lookupIn, substitute } from './envsubst.js';
import {
  buildBranch,
  buildVariables,
  type PipelineFacts,
  semverVariables,
  splitSlug,
  substitutionVariables,
} from './metadata.js';
import type { BuildContext } from './types.js';

/** The build of drone/runner-go's environ_test.go (TestRepo, TestBuild, TestSystem, TestLink), as Hangar holds it. */
const pullRequest: BuildContext = {
  repo: {
    slug: 'octocat/hello-world',
    link: 'https://github.com/octocat/hello-world',
    cloneUrl: 'https://github.com/octocat/hello-world.git',
    private: true,
    defaultBranch: 'master',
    visibility: 'internal',
  },
  commit: {
    sha: '762941318ee16e59dabbacb1b4049eec22f0d303',
    before: '7fd1a60b01f91b314f59955a4e4d4e80d8edf11d',
    ref: 'refs/pull/32/head',
    branch: 'develop',
    message: 'updated README',
    author: 'The Octocat',
    authorEmail: 'octocat@github.com',
    authorAvatar: 'https://avatars0.githubusercontent.com/u/583231',
    link: 'https://github.com/octocat/Hello-World/commit/762941318ee16e59dabbacb1b4049eec22f0d303',
  },
  build: {
    number: 1,
    parent: 2,
    event: 'pull_request',
    action: 'opened',
    deployTo: 'prod',
    created: 1561421740,
    started: 1561421746,
  },
  pullRequest: { number: 32, sourceBranch: 'develop', targetBranch: 'master', title: 'feat: update README' },
  trusted: false,
  status: 'failure',
  system: { proto: 'http', host: 'drone.company.com', version: 'v1.0.0' },
};

const facts: PipelineFacts = {
  name: 'deploy',
  number: 1,
  workspaceDir: '/drone/src',
  workspace: { base: '/drone', path: 'src' },
  platform: { os: 'linux', arch: 'arm64' },
  dependsOn: ['backend', 'frontend'],
};

describe('buildVariables, after drone/runner-go environ_test.go', () => {
  const vars = buildVariables(pullRequest, facts);

  it('TestRepo', () => {
    expect(vars).toMatchObject({
      DRONE_REPO: 'octocat/hello-world',
      DRONE_REPO_SCM: 'git',
      DRONE_REPO_OWNER: 'octocat',
      DRONE_REPO_NAMESPACE: 'octocat',
      DRONE_REPO_NAME: 'hello-world',
      DRONE_REPO_LINK: 'https://github.com/octocat/hello-world',
      DRONE_REPO_BRANCH: 'master',
      DRONE_REMOTE_URL: 'https://github.com/octocat/hello-world.git',
      DRONE_GIT_HTTP_URL: 'https://github.com/octocat/hello-world.git',
      DRONE_REPO_VISIBILITY: 'internal',
      DRONE_REPO_PRIVATE: 'true',
      CI_REMOTE_URL: 'https://github.com/octocat/hello-world.git',
      CI_REPO: 'octocat/hello-world',
      CI_REPO_LINK: 'https://github.com/octocat/hello-world',
      CI_REPO_NAME: 'octocat/hello-world',
      CI_REPO_PRIVATE: 'true',
      CI_REPO_REMOTE: 'https://github.com/octocat/hello-world.git',
    });
  });

  it('TestBuild (a pull request into master)', () => {
    expect(vars).toMatchObject({
      DRONE_BRANCH: 'master',
      DRONE_BUILD_NUMBER: '1',
      DRONE_BUILD_PARENT: '2',
      DRONE_BUILD_STATUS: 'failure',
      DRONE_BUILD_EVENT: 'pull_request',
      DRONE_BUILD_ACTION: 'opened',
      DRONE_BUILD_CREATED: '1561421740',
      DRONE_BUILD_STARTED: '1561421746',
      DRONE_COMMIT: '762941318ee16e59dabbacb1b4049eec22f0d303',
      DRONE_COMMIT_BEFORE: '7fd1a60b01f91b314f59955a4e4d4e80d8edf11d',
      DRONE_COMMIT_AFTER: '762941318ee16e59dabbacb1b4049eec22f0d303',
      DRONE_COMMIT_BRANCH: 'master',
      DRONE_COMMIT_LINK:
        'https://github.com/octocat/Hello-World/commit/762941318ee16e59dabbacb1b4049eec22f0d303',
      DRONE_COMMIT_MESSAGE: 'updated README',
      DRONE_COMMIT_REF: 'refs/pull/32/head',
      DRONE_COMMIT_AUTHOR_EMAIL: 'octocat@github.com',
      DRONE_COMMIT_AUTHOR_AVATAR: 'https://avatars0.githubusercontent.com/u/583231',
      DRONE_COMMIT_AUTHOR_NAME: 'The Octocat',
      DRONE_COMMIT_SHA: '762941318ee16e59dabbacb1b4049eec22f0d303',
      DRONE_DEPLOY_TO: 'prod',
      DRONE_PULL_REQUEST: '32',
      DRONE_PULL_REQUEST_TITLE: 'feat: update README',
      DRONE_SOURCE_BRANCH: 'develop',
      DRONE_TARGET_BRANCH: 'master',
      CI_BUILD_CREATED: '1561421740',
      CI_BUILD_EVENT: 'pull_request',
      CI_BUILD_NUMBER: '1',
      CI_BUILD_STARTED: '1561421746',
      CI_BUILD_STATUS: 'failure',
      CI_BUILD_TARGET: 'prod',
      CI_COMMIT_AUTHOR_AVATAR: 'https://avatars0.githubusercontent.com/u/583231',
      CI_COMMIT_AUTHOR_EMAIL: 'octocat@github.com',
      CI_COMMIT_AUTHOR_NAME: 'The Octocat',
      CI_COMMIT_BRANCH: 'master',
      CI_COMMIT_MESSAGE: 'updated README',
      CI_COMMIT_REF: 'refs/pull/32/head',
      CI_COMMIT_SHA: '762941318ee16e59dabbacb1b4049eec22f0d303',
      CI_PARENT_BUILD_NUMBER: '2',
      CI_PULL_REQUEST: '32',
    });
    expect(vars).not.toHaveProperty('DRONE_TAG');
  });

  it('TestSystem and TestLink', () => {
    expect(vars).toMatchObject({
      CI: 'true',
      DRONE: 'true',
      DRONE_SYSTEM_HOST: 'drone.company.com',
      DRONE_SYSTEM_HOSTNAME: 'drone.company.com',
      DRONE_SYSTEM_PROTO: 'http',
      DRONE_SYSTEM_VERSION: 'v1.0.0',
      DRONE_BUILD_LINK: 'http://drone.company.com/octocat/hello-world/1',
    });
  });

  it('TestStage, plus the 0.8 job and architecture names', () => {
    expect(vars).toMatchObject({
      DRONE_STAGE_KIND: 'pipeline',
      DRONE_STAGE_TYPE: 'docker',
      DRONE_STAGE_NAME: 'deploy',
      DRONE_STAGE_NUMBER: '1',
      DRONE_STAGE_OS: 'linux',
      DRONE_STAGE_ARCH: 'arm64',
      DRONE_STAGE_STATUS: 'failure',
      DRONE_STAGE_DEPENDS_ON: 'backend,frontend',
      DRONE_CARD_PATH: '/dev/stdout',
      DRONE_ARCH: 'linux/arm64',
      DRONE_JOB_NUMBER: '1',
      CI_JOB_NUMBER: '1',
    });
  });

  it('sets the workspace', () => {
    expect(vars).toMatchObject({
      DRONE_WORKSPACE: '/drone/src',
      DRONE_WORKSPACE_BASE: '/drone',
      DRONE_WORKSPACE_PATH: 'src',
      CI_WORKSPACE: '/drone/src',
    });
  });

  it('gives every variable a string value', () => {
    for (const value of Object.values(vars)) expect(typeof value).toBe('string');
  });
});

const push: BuildContext = {
  repo: { slug: 'platform/tools/hangar' },
  commit: { sha: 'a1b2c3', ref: 'refs/heads/feature/login', branch: 'feature/login' },
  build: { number: 12, event: 'push' },
  trusted: true,
  system: { host: 'https://ci.example.com/' },
};

describe('buildVariables for GitLab builds', () => {
  it('splits subgroup slugs at the last slash', () => {
    expect(splitSlug('platform/tools/hangar')).toEqual({ owner: 'platform/tools', name: 'hangar' });
    expect(splitSlug('solo')).toEqual({ owner: '', name: 'solo' });
    const vars = buildVariables(push, facts);
    expect(vars).toMatchObject({
      DRONE_REPO: 'platform/tools/hangar',
      DRONE_REPO_OWNER: 'platform/tools',
      DRONE_REPO_NAME: 'hangar',
      DRONE_REPO_BRANCH: 'feature/login',
      DRONE_REPO_TRUSTED: 'true',
      DRONE_BRANCH: 'feature/login',
      DRONE_SOURCE_BRANCH: 'feature/login',
      DRONE_BUILD_STATUS: 'success',
      DRONE_BUILD_LINK: 'https://ci.example.com/platform/tools/hangar/12',
    });
    expect(vars).not.toHaveProperty('DRONE_PULL_REQUEST');
  });

  it('takes the merge request number from the ref when the request is not described', () => {
    const vars = buildVariables(
      {
        ...push,
        commit: { sha: 'x', ref: 'refs/merge-requests/17/head', branch: 'feature/login' },
        build: { number: 13, event: 'pull_request' },
      },
      facts,
    );
    expect(vars.DRONE_PULL_REQUEST).toBe('17');
  });

  it('sets the tag and its semantic version on tag builds', () => {
    const vars = buildVariables(
      {
        ...push,
        commit: { sha: 'x', ref: 'refs/tags/v1.2.3', branch: '' },
        build: { number: 14, event: 'tag' },
      },
      facts,
    );
    expect(vars).toMatchObject({
      DRONE_TAG: 'v1.2.3',
      CI_TAG: 'v1.2.3',
      DRONE_SEMVER: '1.2.3',
      DRONE_SEMVER_MAJOR: '1',
      DRONE_SEMVER_MINOR: '2',
      DRONE_SEMVER_PATCH: '3',
      DRONE_SEMVER_SHORT: '1.2.3',
    });
  });

  it('lets Drone variables win over build parameters, and exports the matrix axis', () => {
    const vars = buildVariables(
      { ...push, params: { DRONE_BRANCH: 'spoofed', DEPLOY: 'yes' } },
      { ...facts, axis: { GO_VERSION: '1.22' } },
    );
    expect(vars.DRONE_BRANCH).toBe('feature/login');
    expect(vars.DEPLOY).toBe('yes');
    expect(vars.GO_VERSION).toBe('1.22');
  });

  it('uses the target branch of a merge request as the build branch', () => {
    expect(buildBranch(pullRequest)).toBe('master');
    expect(buildBranch(push)).toBe('feature/login');
  });
});

describe('semverVariables (coreos/go-semver, as drone/runner-go uses it)', () => {
  it('reads pre-release and build metadata', () => {
    expect(semverVariables('v1.2.3-rc.1+build.5')).toEqual({
      DRONE_SEMVER: '1.2.3-rc.1+build.5',
      DRONE_SEMVER_MAJOR: '1',
      DRONE_SEMVER_MINOR: '2',
      DRONE_SEMVER_PATCH: '3',
      DRONE_SEMVER_PRERELEASE: 'rc.1',
      DRONE_SEMVER_BUILD: 'build.5',
      DRONE_SEMVER_SHORT: '1.2.3',
    });
  });

  it('reports tags that are not versions', () => {
    expect(semverVariables('v1')).toEqual({ DRONE_SEMVER_ERROR: '1 is not in dotted-tri format' });
    expect(semverVariables('1.2.x')).toEqual({
      DRONE_SEMVER_ERROR: 'strconv.ParseInt: parsing "x": invalid syntax',
    });
    expect(semverVariables('release-2024')).toHaveProperty('DRONE_SEMVER_ERROR');
  });
});

describe('substitutionVariables', () => {
  it('holds build variables but not the workspace, which Drone sets after parsing', () => {
    const vars = substitutionVariables(push);
    expect(vars.DRONE_BRANCH).toBe('feature/login');
    expect(vars.DRONE_COMMIT_SHA).toBe('a1b2c3');
    expect(vars).not.toHaveProperty('DRONE_WORKSPACE');
    expect(vars).not.toHaveProperty('DRONE_STAGE_NAME');
  });

  it('adds the stage when given, the matrix axis, and lets parameters win', () => {
    const vars = substitutionVariables(
      { ...push, params: { DRONE_BRANCH: 'from-params' } },
      { GO: '1.22' },
      facts,
    );
    expect(vars.DRONE_STAGE_NAME).toBe('deploy');
    expect(vars.GO).toBe('1.22');
    expect(vars.DRONE_BRANCH).toBe('from-params');
  });

  it('fills a pipeline file the way Drone does', () => {
    const ctx: BuildContext = {
      ...push,
      commit: { ...push.commit, message: 'Fix login\n\nCloses #4: "quotes"' },
    };
    const yaml = [
      'steps:',
      '  - name: build',
      '    image: golang:${GO_VERSION=1.22}',
      '    commands:',
      '      - echo ${DRONE_COMMIT_SHA:0:4} ${DRONE_BRANCH//\\//-}',
      '      - echo $${HOME} $HOME',
      '    environment:',
      '      MESSAGE: ${DRONE_COMMIT_MESSAGE}',
    ].join('\n');
    expect(substitute(yaml, lookupIn(substitutionVariables(ctx)))).toBe(
      [
        'steps:',
        '  - name: build',
        '    image: golang:1.22',
        '    commands:',
        '      - echo a1b2 feature-login',
        '      - echo ${HOME} $HOME',
        '    environment:',
        '      MESSAGE: "Fix login\\n\\nCloses #4: \\"quotes\\""',
      ].join('\n'),
    );
  });
});
