// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold Drone ${...} syntax on purpose
import { describe, expect, it } from 'vitest';
import { compile, lintPipeline } from './compile.js';
import { ok, step } from './compile.test-support.js';
import { testBuild } from './testing.js';

describe('Drone 1.x files', () => {
  it('reads several documents, skipping secret and signature documents, comment-only documents and end markers', () => {
    const text = `---
kind: pipeline
name: build
steps:
- name: test
  image: golang
  commands: [go test]
...
---
# nothing but a comment
---
kind: secret
name: token
get:
  path: secret/data/ci
  name: token
---
kind: pipeline
type: docker
name: deploy
depends_on: [build]
steps:
- name: ship
  image: alpine
  commands: [ship]
---
kind: signature
hmac: 0123456789abcdef
...
`;
    const jobs = ok(compile(text, testBuild()));
    expect(jobs.map((j) => [j.pipeline, j.dependsOn])).toEqual([
      ['build', []],
      ['deploy', ['build']],
    ]);
  });

  it("names a pipeline without a name 'default' and warns about kind: Pipeline", () => {
    const r = lintPipeline('kind: Pipeline\nsteps:\n- name: a\n  image: x\n');
    expect(r.ok).toBe(true);
    expect(r.config?.pipelines[0]?.name).toBe('default');
    expect(r.warnings[0]).toMatchObject({ line: 1, column: 7 });
    expect(r.warnings[0]?.message).toContain("write 'kind: pipeline' in lower case");
  });

  it('turns settings into PLUGIN_* and from_secret into secret references, never values', () => {
    const text = `
kind: pipeline
name: default
environment:
  GOPROXY: direct
steps:
- name: publish
  image: plugins/docker
  environment:
    TOKEN:
      from_secret: registry_token
    PLAIN: x
  settings:
    repo: group/app
    tags:
      - latest
      - 1.10
    password:
      from_secret: docker_password
    build_args:
      - A=1
`;
    const [job] = ok(compile(text, testBuild()));
    const s = step(job, 'publish');
    expect(s.environment.PLUGIN_REPO).toBe('group/app');
    expect(s.environment.PLUGIN_TAGS).toBe('latest,1.10');
    expect(s.environment.PLUGIN_BUILD_ARGS).toBe('A=1');
    expect(s.environment.PLAIN).toBe('x');
    expect(s.environment.GOPROXY).toBe('direct');
    expect(s.environment.TOKEN).toBeUndefined();
    expect(s.environment.PLUGIN_PASSWORD).toBeUndefined();
    expect(s.secrets).toEqual([
      { source: 'registry_token', target: 'TOKEN' },
      { source: 'docker_password', target: 'PLUGIN_PASSWORD' },
    ]);
  });

  it('runs steps one after another unless depends_on is used, then follows the graph', () => {
    const serial = ok(
      compile('kind: pipeline\nsteps:\n- {name: a, image: x}\n- {name: b, image: x}\n', testBuild()),
    );
    expect(serial[0]?.steps.map((s) => s.dependsOn)).toEqual([[], ['a']]);
    const graph = ok(
      compile(
        'kind: pipeline\nsteps:\n- {name: a, image: x}\n- {name: b, image: x, depends_on: [clone]}\n- {name: c, image: x, depends_on: [a, b]}\n',
        testBuild(),
      ),
    );
    expect(graph[0]?.steps.map((s) => s.dependsOn)).toEqual([[], [], ['a', 'b']]);
  });

  it('reads volumes, clone, platform, node, concurrency, image_pull_secrets, workspace and services', () => {
    const text = `
kind: pipeline
type: docker
name: full
platform: {os: linux, arch: arm64}
node: {pool: big}
concurrency: {limit: 2}
image_pull_secrets: [dockerconfig]
clone: {depth: 10}
workspace: {path: app}
volumes:
- name: cache
  temp: {}
- name: sock
  host: {path: /var/run/docker.sock}
services:
- name: db
  image: postgres:16
  environment: {POSTGRES_PASSWORD: x}
steps:
- name: test
  image: x
  user: "1000"
  working_dir: /tmp
  volumes:
  - name: cache
    path: /cache
  - name: sock
    path: /var/run/docker.sock
`;
    const [job] = ok(compile(text, testBuild({ trusted: true })));
    expect(job?.platform).toEqual({ os: 'linux', arch: 'arm64' });
    expect(job?.labels).toEqual({ pool: 'big' });
    expect(job?.concurrency).toBe(2);
    expect(job?.imagePullSecrets).toEqual(['dockerconfig']);
    expect(job?.clone?.environment.PLUGIN_DEPTH).toBe('10');
    expect(job?.workspace).toEqual({ base: '/drone/src', path: 'app', dir: '/drone/src/app' });
    expect(job?.volumes).toEqual({ cache: { temp: true }, sock: { hostPath: '/var/run/docker.sock' } });
    expect(job?.services[0]).toMatchObject({ name: 'db', detach: true, dependsOn: [] });
    expect(step(job, 'test')).toMatchObject({ user: '1000', workingDir: '/tmp' });
    expect(step(job, 'test').volumes).toEqual([
      { name: 'cache', temp: true, target: '/cache', readOnly: false },
      { name: 'sock', hostPath: '/var/run/docker.sock', target: '/var/run/docker.sock', readOnly: false },
    ]);
  });

  it('reads every container option of a step', () => {
    const text = `kind: pipeline
steps:
- name: a
  image: docker:dind
  pull: always
  detach: true
  privileged: true
  entrypoint: [/bin/sh, -c]
  command: [echo hi]
  network_mode: bridge
  extra_hosts: ["db:10.0.0.1"]
  mem_limit: 1g
  shm_size: 64m
  failure: ignore
- name: b
  image: alpine
  pull: never
  when:
    event:
      exclude: [tag]
- name: c
  image: alpine
  pull: default
`;
    const [job] = ok(compile(text, testBuild({ trusted: true })));
    expect(step(job, 'a')).toMatchObject({
      pull: 'always',
      detach: true,
      privileged: true,
      entrypoint: ['/bin/sh', '-c'],
      command: ['echo hi'],
      networkMode: 'bridge',
      extraHosts: ['db:10.0.0.1'],
      memLimit: 1024 ** 3,
      shmSize: 64 * 1024 ** 2,
      failure: 'ignore',
    });
    expect(step(job, 'b')).toMatchObject({ pull: 'never', run: true });
    expect(step(job, 'c').pull).toBe('if-not-exists');
    const [tag] = ok(compile(text, testBuild({ trusted: true, event: 'tag' })));
    expect(step(tag, 'b').skipReason).toBe("its when excludes this build: event 'tag' is excluded by [tag]");
  });

  it('disables the clone step with clone: disable', () => {
    const [job] = ok(
      compile('kind: pipeline\nclone:\n  disable: true\nsteps:\n- {name: a, image: x}\n', testBuild()),
    );
    expect(job?.clone).toBeNull();
  });

  it('evaluates trigger, including trigger status, and tells why a pipeline does not run', () => {
    const text = `
kind: pipeline
name: release
trigger:
  event: [tag]
steps:
- {name: a, image: x}
---
kind: pipeline
name: notify
depends_on: [release]
trigger:
  status: [failure]
steps:
- {name: b, image: x}
`;
    const jobs = ok(compile(text, testBuild({ event: 'push' })));
    expect(jobs[0]).toMatchObject({ run: false, onSuccess: true, onFailure: false });
    expect(jobs[0]?.skipReason).toContain("event 'push' does not match [tag]");
    expect(jobs[1]).toMatchObject({ run: true, onSuccess: false, onFailure: true });
  });

  it('compiles pipelines of other types but does not run them, saying why', () => {
    const text =
      'kind: pipeline\ntype: exec\nname: mac\nplatform: {os: darwin, arch: arm64}\nsteps:\n- name: a\n  commands: [make]\n';
    const [job] = ok(compile(text, testBuild()));
    expect(job?.run).toBe(false);
    expect(job?.skipReason).toBe(
      "pipelines of type 'exec' do not run on Hangar, which runs type docker only",
    );
  });

  it('uses the target branch of a pull request for branch conditions', () => {
    const text = 'kind: pipeline\ntrigger:\n  branch: [main]\nsteps:\n- {name: a, image: x}\n';
    const [job] = ok(
      compile(text, testBuild({ event: 'pull_request', branch: 'feature/x', targetBranch: 'main' })),
    );
    expect(job?.run).toBe(true);
  });

  it('substitutes ${...} once with the build variables', () => {
    const text =
      'kind: pipeline\nsteps:\n- name: a\n  image: alpine:${DRONE_TAG##v}\n  commands: [echo ${DRONE_TAG=none}]\n';
    const [job] = ok(compile(text, testBuild({ event: 'tag', tag: 'v3.19' })));
    expect(step(job, 'a').image).toBe('alpine:3.19');
    expect(step(job, 'a').commands).toEqual(['echo v3.19']);
  });
});
