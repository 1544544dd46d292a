import { describe, expect, it } from 'vitest';
import { compile, lintPipeline } from './compile.js';
import { lintErrors } from './compile.test-support.js';
import { testBuild } from './testing.js';

const V1 = `kind: pipeline
name: ci
volumes:
- name: sock
  host:
    path: /var/run/docker.sock
- name: ram
  temp:
    medium: memory
services:
- name: db
  image: postgres
  ports:
  - port: 5432
    host: 5432
steps:
- name: build
  image: docker
  privileged: true
  devices:
  - name: sock
    path: /dev/sock
  extra_hosts: ["a:1.2.3.4"]
  network_mode: host
  dns: [8.8.8.8]
  dns_search: [example.com]
  volumes:
  - name: sock
    path: /var/run/docker.sock
`;

describe('options only trusted repositories may use', () => {
  it('refuses each 1.x option at its own line, naming the step and what to do', () => {
    expect(lintErrors(V1)).toEqual([
      "4:3 pipeline 'ci' mounts the host path '/var/run/docker.sock' (volume 'sock'), which only trusted repositories may do; use 'temp: {}' or have an administrator mark the repository as trusted",
      "7:3 pipeline 'ci' keeps volume 'ram' in memory ('medium: memory'), which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "13:3 service 'db' maps a port on the host, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "19:3 step 'build' runs privileged ('privileged: true'), which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "20:3 step 'build' mounts host devices, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "23:3 step 'build' sets extra_hosts, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "24:3 step 'build' sets network_mode 'host', which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "25:3 step 'build' sets dns servers, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "26:3 step 'build' sets dns_search, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
    ]);
  });

  it('accepts the same file for a trusted repository, warning that dns is not applied', () => {
    const r = lintPipeline(V1, { trusted: true });
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toContain(
      "step 'build': 'dns' is not supported on Hangar and is ignored",
    );
    const [job] = compile(V1, testBuild({ trusted: true })).jobs;
    expect(job?.steps[0]).toMatchObject({
      privileged: true,
      networkMode: 'host',
      devices: ['/var/run/docker.sock:/dev/sock'],
    });
  });

  it('takes trust from the build context when the options do not say', () => {
    expect(compile(V1, testBuild({ trusted: false })).ok).toBe(false);
    expect(compile(V1, testBuild({ trusted: true })).ok).toBe(true);
    expect(compile(V1, testBuild({ trusted: true }), { trusted: false }).ok).toBe(false);
  });

  it('refuses 0.8 volumes of any kind, shm_size, ipc_mode and networks as Drone 0.8 did', () => {
    const text = `pipeline:
  build:
    image: docker
    volumes: [cache:/cache]
    shm_size: 1g
    ipc_mode: host
    networks: [other]
`;
    expect(lintErrors(text)).toEqual([
      "4:5 step 'build' mounts volumes, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "5:5 step 'build' sets shm_size, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "6:5 step 'build' sets ipc_mode, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
      "7:5 step 'build' joins other networks, which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
    ]);
  });

  it('checks the 0.8 clone step and services too', () => {
    const text =
      'clone:\n  git:\n    image: plugins/git\n    privileged: true\nservices:\n  dind:\n    image: docker:dind\n    privileged: true\npipeline:\n  a: {image: x, commands: [a]}\n';
    expect(lintErrors(text).map((m) => m.split(',')[0])).toEqual([
      "4:5 clone step 'git' runs privileged ('privileged: true')",
      "8:5 service 'dind' runs privileged ('privileged: true')",
    ]);
  });

  it('runs plugins/docker privileged without trust, but not when it is given commands', () => {
    const text = `kind: pipeline
steps:
- name: publish
  image: plugins/docker:20
  settings: {repo: a/b}
- name: hand-made
  image: plugins/docker
  commands: [docker build .]
`;
    const [job] = compile(text, testBuild()).jobs;
    expect(job?.steps.map((s) => [s.name, s.privileged])).toEqual([
      ['publish', true],
      ['hand-made', false],
    ]);
  });

  it('does not check pipelines of other types, which never run here', () => {
    expect(
      lintErrors('kind: pipeline\ntype: exec\nsteps:\n- name: a\n  privileged: true\n  commands: [a]\n'),
    ).toEqual([]);
  });
});
