// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold Drone ${...} syntax on purpose
import { describe, expect, it } from 'vitest';
import { compile, lintPipeline } from './compile.js';
import { ok, step } from './compile.test-support.js';
import { testBuild } from './testing.js';

describe('Drone 0.8 files', () => {
  it('keeps the steps in the order written with their images and commands', () => {
    const text = `
pipeline:
  build:
    image: golang:1.10
    commands:
      - go build
      - go test
  publish:
    image: alpine
    commands: sh .drone.sh
`;
    const [job] = ok(compile(text, testBuild()));
    expect(job?.pipeline).toBe('default');
    expect(job?.steps.map((s) => [s.name, s.image, s.commands])).toEqual([
      ['build', 'golang:1.10', ['go build', 'go test']],
      ['publish', 'alpine', ['sh .drone.sh']],
    ]);
    expect(step(job, 'publish').dependsOn).toEqual(['build']);
    expect(step(job, 'build').dependsOn).toEqual([]);
  });

  it('runs a group in parallel: each step waits for the whole previous stage', () => {
    const text = `
pipeline:
  a: { image: x, commands: [a] }
  b: { image: x, commands: [b], group: tests }
  c: { image: x, commands: [c], group: tests }
  d: { image: x, commands: [d] }
  e: { image: x, commands: [e], group: tests }
`;
    const [job] = ok(compile(text, testBuild()));
    expect(job?.steps.map((s) => [s.name, s.dependsOn])).toEqual([
      ['a', []],
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
      ['e', ['d']],
    ]);
  });

  it('reads environment as a list or a map, secrets with upper-cased targets, and plugin settings', () => {
    const text = `
pipeline:
  test:
    image: alpine
    environment:
      - GOOS=linux
      - EMPTY=
    commands: [env]
  publish:
    image: plugins/docker
    repo: group/app
    tags: [latest, "1.0"]
    build_args:
      FOO: bar
    auto_tag: true
    secrets:
      - docker_password
      - source: quay_token
        target: quay_password
    environment:
      VERSION: 1.10
`;
    const [job] = ok(compile(text, testBuild()));
    const test = step(job, 'test');
    expect(test.environment.GOOS).toBe('linux');
    expect(test.environment.EMPTY).toBe('');
    const publish = step(job, 'publish');
    expect(publish.environment.PLUGIN_REPO).toBe('group/app');
    expect(publish.environment.PLUGIN_TAGS).toBe('latest,1.0');
    expect(publish.environment.PLUGIN_BUILD_ARGS).toBe('{"FOO":"bar"}');
    expect(publish.environment.PLUGIN_AUTO_TAG).toBe('true');
    expect(publish.environment.VERSION).toBe('1.10');
    expect(publish.secrets).toEqual([
      { source: 'docker_password', target: 'DOCKER_PASSWORD' },
      { source: 'quay_token', target: 'QUAY_PASSWORD' },
    ]);
    expect(Object.values(publish.environment)).not.toContain('docker_password');
    // plugins/docker used as a plugin runs privileged without trust, as on Drone
    expect(publish.privileged).toBe(true);
    expect(test.privileged).toBe(false);
  });

  it('reads every container option of a trusted repository', () => {
    const text = `
pipeline:
  build:
    image: docker:dind
    pull: true
    detach: true
    privileged: true
    entrypoint: /bin/sh -c
    command: "echo 'hello world'"
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - cache:/cache:ro
    network_mode: host
    extra_hosts: ["db:10.0.0.1"]
    mem_limit: 512m
    shm_size: 1GiB
    devices: ["/dev/fuse:/dev/fuse"]
    failure: ignore
`;
    const [job] = ok(compile(text, testBuild({ trusted: true })));
    const s = step(job, 'build');
    expect(s).toMatchObject({
      pull: 'always',
      detach: true,
      privileged: true,
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo', 'hello world'],
      networkMode: 'host',
      extraHosts: ['db:10.0.0.1'],
      memLimit: 512 * 1024 * 1024,
      shmSize: 1024 ** 3,
      devices: ['/dev/fuse:/dev/fuse'],
      failure: 'ignore',
    });
    expect(s.volumes).toEqual([
      { hostPath: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false },
      { name: 'cache', target: '/cache', readOnly: true },
    ]);
  });

  it('uses the workspace, the clone section and the services', () => {
    const text = `
workspace:
  base: /go
  path: src/example.com/app
clone:
  git:
    image: plugins/git
    depth: 50
services:
  redis:
    image: redis:6
pipeline:
  test:
    image: golang
    commands: [go test]
`;
    const [job] = ok(compile(text, testBuild()));
    expect(job?.workspace).toEqual({
      base: '/go',
      path: 'src/example.com/app',
      dir: '/go/src/example.com/app',
    });
    expect(job?.clone?.name).toBe('clone');
    expect(job?.clone?.image).toBe('plugins/git');
    expect(job?.clone?.environment.PLUGIN_DEPTH).toBe('50');
    expect(job?.services.map((s) => [s.name, s.image, s.detach])).toEqual([['redis', 'redis:6', true]]);
    expect(step(job, 'test').environment.DRONE_WORKSPACE).toBe('/go/src/example.com/app');
  });

  it('takes a pipeline step named clone as the clone step, as Drone 0.5 did', () => {
    const text =
      'pipeline:\n  clone:\n    image: plugins/git\n    tags: true\n  build:\n    image: x\n    commands: [make]\n';
    const r = compile(text, testBuild());
    const [job] = ok(r);
    expect(job?.clone).toMatchObject({ name: 'clone', image: 'plugins/git' });
    expect(job?.clone?.environment.PLUGIN_TAGS).toBe('true');
    expect(job?.steps.map((s) => [s.name, s.dependsOn])).toEqual([['build', []]]);
    expect(r.warnings[0]).toMatchObject({ line: 2, column: 3 });
    expect(r.warnings[0]?.message).toContain("move it to a top-level 'clone:' section");
  });

  it('defaults the workspace to /drone/src/HOST/SLUG and the clone to the built-in one', () => {
    const [job] = ok(compile('pipeline:\n  a:\n    image: x\n    commands: [a]\n', testBuild()));
    expect(job?.workspace.dir).toBe('/drone/src/gitlab.example.com/group/project');
    expect(job?.clone).toMatchObject({ name: 'clone', image: '', run: true, dependsOn: [] });
  });

  it('decides with branches: whether the pipeline runs at all', () => {
    const text = 'branches: [ master, release/* ]\npipeline:\n  a:\n    image: x\n    commands: [a]\n';
    expect(ok(compile(text, testBuild({ branch: 'release/1.2' })))[0]?.run).toBe(true);
    const [job] = ok(compile(text, testBuild({ branch: 'feature/x' })));
    expect(job?.run).toBe(false);
    expect(job?.skipReason).toContain("branch 'feature/x' does not match [master, release/*]");
  });

  it('evaluates when: per step, status apart', () => {
    const text = `
pipeline:
  deploy:
    image: x
    commands: [deploy]
    when:
      event: [push, tag]
      branch:
        exclude: [dev]
  notify:
    image: plugins/slack
    channel: ci
    when:
      status: [success, failure]
  on-fail:
    image: x
    commands: [echo failed]
    when:
      status: failure
`;
    const [job] = ok(compile(text, testBuild({ branch: 'dev' })));
    expect(step(job, 'deploy')).toMatchObject({ run: false, onSuccess: true, onFailure: false });
    expect(step(job, 'deploy').skipReason).toContain("branch 'dev' is excluded by [dev]");
    expect(step(job, 'notify')).toMatchObject({ run: true, onSuccess: true, onFailure: true });
    expect(step(job, 'on-fail')).toMatchObject({ run: true, onSuccess: false, onFailure: true });
    const [pr] = ok(compile(text, testBuild({ event: 'pull_request', branch: 'feature' })));
    expect(step(pr, 'deploy').skipReason).toContain("event 'pull_request' does not match [push, tag]");
  });

  it('expands the matrix, substituting each axis before parsing', () => {
    const text = `
pipeline:
  test:
    image: golang:\${GO_VERSION}
    commands: [go test]
  only-new:
    image: alpine
    commands: [echo new]
    when:
      matrix:
        GO_VERSION: "1.22"
matrix:
  GO_VERSION:
    - "1.21"
    - "1.22"
  DB: [pg, mysql]
`;
    const jobs = ok(compile(text, testBuild()));
    expect(jobs.map((j) => [j.axis, step(j, 'test').image])).toEqual([
      [{ GO_VERSION: '1.21', DB: 'pg' }, 'golang:1.21'],
      [{ GO_VERSION: '1.21', DB: 'mysql' }, 'golang:1.21'],
      [{ GO_VERSION: '1.22', DB: 'pg' }, 'golang:1.22'],
      [{ GO_VERSION: '1.22', DB: 'mysql' }, 'golang:1.22'],
    ]);
    expect(jobs.map((j) => step(j, 'only-new').run)).toEqual([false, false, true, true]);
    expect(step(jobs[0], 'test').environment.GO_VERSION).toBe('1.21');
  });

  it('uses a matrix include list as the axes', () => {
    const text = `
pipeline:
  a:
    image: node:\${NODE}
    commands: [npm test]
matrix:
  include:
    - NODE: 18
    - NODE: 20
      EXTRA: yes
`;
    const jobs = ok(compile(text, testBuild()));
    expect(jobs.map((j) => step(j, 'a').image)).toEqual(['node:18', 'node:20']);
    expect(jobs[1]?.axis).toEqual({ NODE: '20', EXTRA: 'yes' });
  });

  it('refuses a matrix that expands past the limit, at the matrix key', () => {
    const text = `pipeline:\n  a:\n    image: x\n    commands: [a]\nmatrix:\n  A: [1,2,3,4]\n  B: [1,2,3,4]\n  C: [1,2]\n`;
    const r = compile(text, testBuild());
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ line: 5, column: 1 });
    expect(r.errors[0]?.message).toContain('32 combinations');
  });

  it('keeps $$ as a literal $ and substitutes build variables', () => {
    const text = 'pipeline:\n  a:\n    image: x\n    commands:\n      - echo $${HOME} ${DRONE_BRANCH}\n';
    const [job] = ok(compile(text, testBuild({ branch: 'main' })));
    expect(step(job, 'a').commands).toEqual(['echo ${HOME} main']);
  });

  it('refuses a step with both commands and plugin settings, suggesting the key it may mean', () => {
    const r = lintPipeline('pipeline:\n  a:\n    image: x\n    commands: [a]\n    enviroment: {A: b}\n');
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ line: 5, column: 5 });
    expect(r.errors[0]?.message).toContain("did you mean 'environment'?");
  });

  it('accepts a top-level anchor holder with a warning', () => {
    const text = 'x-common: &common\n  image: alpine\npipeline:\n  a:\n    <<: *common\n    commands: [a]\n';
    const r = lintPipeline(text);
    expect(r.ok).toBe(true);
    expect(r.warnings[0]?.message).toContain(
      "'x-common' is not a pipeline key; it is read only as the holder of the anchor '&common'",
    );
    expect(r.config?.pipelines[0]?.steps[0]?.image).toBe('alpine');
  });

  it('refuses a step that is not a mapping and a pipeline with no steps', () => {
    const r = lintPipeline('pipeline:\n  a: echo hi\n');
    expect(r.errors[0]).toMatchObject({ line: 2, column: 6 });
    expect(r.errors[0]?.message).toContain("pipeline entry 'a' must be a mapping");
    const empty = lintPipeline('workspace:\n  base: /go\npipeline:\n');
    expect(empty.errors[0]?.message).toContain("the 'pipeline:' section has no steps");
  });
});
