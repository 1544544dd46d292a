// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold Drone ${...} syntax on purpose
import { describe, expect, it } from 'vitest';
import { runCli, runProcess, scratchDir } from './run-cli.test-support.js';

const { dir, file } = scratchDir('hangar-plan-');

const V1 = `kind: pipeline
name: build
steps:
- name: test
  image: golang
  commands: [go test]
- name: publish
  image: plugins/docker
  settings:
    repo: group/app
    password:
      from_secret: docker_password
  when:
    branch: [main]
- name: notify
  image: plugins/slack
  when:
    status: [failure]
services:
- name: db
  image: postgres
---
kind: pipeline
name: release
trigger:
  event: [tag]
steps:
- name: ship
  image: alpine
`;

const MATRIX = `pipeline:
  test:
    image: golang:\${GO}
    commands: [go test]
matrix:
  GO: ["1.21", "1.22"]
`;

describe('hangar plan', () => {
  it('prints which pipelines and steps run for a push, as JSON', async () => {
    const path = file('v1.yml', V1);
    const r = await runCli(['plan', path, '--event', 'push', '--branch', 'feature/x', '--format', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.pipelines.map((p: { name: string; run: boolean }) => [p.name, p.run])).toEqual([
      ['build', true],
      ['release', false],
    ]);
    expect(plan.pipelines[1].reason).toBe(
      "the pipeline's trigger excludes this build: event 'push' does not match [tag]",
    );
    const build = plan.pipelines[0];
    expect(build.services).toEqual([{ name: 'db', image: 'postgres', run: true }]);
    expect(build.steps).toEqual([
      { name: 'clone', image: '', run: true },
      { name: 'test', image: 'golang', run: true },
      {
        name: 'publish',
        image: 'plugins/docker',
        run: false,
        reason: "its when excludes this build: branch 'feature/x' does not match [main]",
        environment: { PLUGIN_REPO: 'group/app' },
      },
      {
        name: 'notify',
        image: 'plugins/slack',
        run: false,
        reason: 'it runs only after a failure (when: status: failure)',
      },
    ]);
  });

  it('with --status failure shows the steps that run once the pipeline has failed', async () => {
    const path = file('fail.yml', V1);
    const r = await runCli([
      'plan',
      path,
      '--event',
      'push',
      '--branch',
      'main',
      '--status',
      'failure',
      '--format',
      'json',
    ]);
    const steps = JSON.parse(r.out).pipelines[0].steps as { name: string; run: boolean }[];
    expect(steps.map((s) => [s.name, s.run])).toEqual([
      ['clone', false],
      ['test', false],
      ['publish', false],
      ['notify', true],
    ]);
  });

  it('prints a readable table by default', async () => {
    const path = file('text.yml', V1);
    const r = await runCli(['plan', path, '--event', 'tag', '--tag', 'v1.2.0', '--branch', 'main']);
    expect(r.code).toBe(0);
    expect(r.out).toContain("pipeline 'build': runs\n");
    expect(r.out).toContain("pipeline 'release': runs\n");
    expect(r.out).toMatch(/ {2}skip {2}step {4}notify +plugins\/slack +- it runs only after a failure/);
  });

  it('shows each matrix axis and filters with --matrix', async () => {
    const path = file('matrix.yml', MATRIX);
    const all = JSON.parse(
      (await runCli(['plan', path, '--event', 'push', '--branch', 'main', '--format', 'json'])).out,
    );
    expect(all.pipelines.map((p: { axis: unknown }) => p.axis)).toEqual([{ GO: '1.21' }, { GO: '1.22' }]);
    expect(all.pipelines[1].steps[1].image).toBe('golang:1.22');
    const one = await runCli([
      'plan',
      path,
      '--event',
      'push',
      '--branch',
      'main',
      '--matrix',
      'GO=1.22',
      '--format',
      'json',
    ]);
    expect(JSON.parse(one.out).pipelines.map((p: { axis: unknown }) => p.axis)).toEqual([{ GO: '1.22' }]);
    const none = await runCli(['plan', path, '--event', 'push', '--branch', 'main', '--matrix', 'GO=1.9']);
    expect(none.code).toBe(1);
    expect(none.err).toBe('hangar: no matrix axis has GO=1.9; the axes are: GO=1.21; GO=1.22\n');
  });

  it('uses --repo for repo conditions', async () => {
    const path = file(
      'repo.yml',
      'kind: pipeline\ntrigger:\n  repo: [acme/*]\nsteps: [{name: a, image: x}]\n',
    );
    const mine = JSON.parse(
      (
        await runCli([
          'plan',
          path,
          '--event',
          'push',
          '--branch',
          'm',
          '--repo',
          'acme/app',
          '--format',
          'json',
        ])
      ).out,
    );
    expect(mine.pipelines[0].run).toBe(true);
    const fork = JSON.parse(
      (
        await runCli([
          'plan',
          path,
          '--event',
          'push',
          '--branch',
          'm',
          '--repo',
          'bob/app',
          '--format',
          'json',
        ])
      ).out,
    );
    expect(fork.pipelines[0].run).toBe(false);
  });

  it('exits 1 with located errors when the file does not compile', async () => {
    const path = file('broken.yml', 'kind: pipeline\nsteps:\n- name: a\n  imgae: x\n  commads: [x]\n');
    const r = await runCli(['plan', path, '--event', 'push', '--branch', 'main']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      [
        `${path}:4:3: step 'a' has no image; did you mean 'image' instead of 'imgae' (line 4)?`,
        `${path}:5:3: warning: step 'a': unknown key 'commads' is ignored, as Drone does; did you mean 'commands'? Without commands the step runs its image's entrypoint`,
        '',
      ].join('\n'),
    );
  });

  it('plans a key Drone ignored, printing the warning', async () => {
    const path = file('ignored.yml', 'kind: pipeline\nsteps:\n- name: a\n  image: alpine\n  commads: [x]\n');
    const r = await runCli(['plan', path, '--event', 'push', '--branch', 'main']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`${path}:5:3: warning: step 'a': unknown key 'commads' is ignored`);
    expect(r.out).toContain("pipeline 'default': runs");
  });

  it('matches branch conditions of a pull request against --target-branch, as Drone does', async () => {
    const path = file(
      'pr.yml',
      `kind: pipeline
steps:
- name: into-main
  image: alpine
  environment:
    FROM: \${DRONE_SOURCE_BRANCH}
    INTO: \${DRONE_TARGET_BRANCH}
  when:
    branch: [main]
- name: on-feature
  image: alpine
  when:
    branch: [feature/*]
`,
    );
    const plan = async (...flags: string[]) => {
      const r = await runCli(['plan', path, '--event', 'pull_request', ...flags, '--format', 'json']);
      expect(r.err).toBe('');
      return JSON.parse(r.out).pipelines[0].steps as { name: string; run: boolean; environment?: unknown }[];
    };
    const steps = await plan('--source-branch', 'feature/login', '--target-branch', 'main');
    expect(steps.map((s) => [s.name, s.run])).toEqual([
      ['clone', true],
      ['into-main', true],
      ['on-feature', false],
    ]);
    expect(steps[1]!.environment).toEqual({ FROM: 'feature/login', INTO: 'main' });
    // --branch is the target when --target-branch is not given
    const byBranch = await plan('--branch', 'main', '--source-branch', 'feature/login');
    expect(byBranch.map((s) => [s.name, s.run])).toEqual(steps.map((s) => [s.name, s.run]));
    const other = await plan('--source-branch', 'main', '--target-branch', 'feature/x');
    expect(other.map((s) => [s.name, s.run])).toEqual([
      ['clone', true],
      ['into-main', false],
      ['on-feature', true],
    ]);
  });

  it('refuses pull-request branch flags that do not fit the event or each other', async () => {
    const path = file('pr-flags.yml', V1);
    expect(
      (await runCli(['plan', path, '--event', 'push', '--branch', 'm', '--target-branch', 'm'])).err,
    ).toBe(
      'hangar: --source-branch and --target-branch are for pull_request events; for a push event give --branch\n',
    );
    expect(
      (await runCli(['plan', path, '--event', 'pull_request', '--branch', 'a', '--target-branch', 'b'])).err,
    ).toContain("--branch 'a' and --target-branch 'b' differ");
    const none = await runCli(['plan', path, '--event', 'pull_request', '--source-branch', 'x']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('--target-branch (or --branch) is required for a pull_request event');
  });

  it('refuses a bad event, a missing branch and a tag event without a tag', async () => {
    const path = file('ok.yml', V1);
    expect((await runCli(['plan', path, '--event', 'pushh', '--branch', 'm'])).err).toContain(
      "--event 'pushh' is not a build event; use one of push, pull_request, tag",
    );
    expect((await runCli(['plan', path, '--event', 'push'])).err).toContain(
      '--branch is required for a push event',
    );
    expect((await runCli(['plan', path, '--event', 'tag'])).err).toContain('a tag event needs --tag NAME');
    expect((await runCli(['plan', path, '--branch', 'm'])).code).toBe(2);
  });

  it('runs as a real process and reads .drone.yml by default', async () => {
    file('.drone.yml', V1);
    const r = await runProcess(['plan', '--event', 'push', '--branch', 'main'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("pipeline 'build': runs");
    expect(r.out).toContain('run   step    publish');
  });
});
