import { describe, expect, it } from 'vitest';
import { jobs } from './compile.test-support.js';
import { imageName } from './plan.js';
import { testBuild } from './testing.js';

describe('planning a build', () => {
  it('gives every step the build variables, then pipeline, step and plugin variables in that order of precedence', () => {
    const text = `kind: pipeline
name: ci
environment:
  SHARED: pipeline
  DRONE_BRANCH: overridden-by-drone
steps:
- name: a
  image: x
  environment:
    SHARED: step
    DRONE_COMMIT_SHA: mine
  settings:
    shared: plugin
`;
    const [job] = jobs(text, testBuild({ branch: 'main' }));
    const env = job!.steps[0]!.environment;
    expect(env.DRONE_BRANCH).toBe('main');
    expect(env.SHARED).toBe('step');
    expect(env.DRONE_COMMIT_SHA).toBe('mine');
    expect(env.PLUGIN_SHARED).toBe('plugin');
    expect(env.DRONE_REPO).toBe('group/project');
    expect(env.DRONE_STAGE_NAME).toBe('ci');
    expect(env.DRONE_WORKSPACE).toBe('/drone/src');
    expect(env.CI).toBe('true');
    expect(job!.environment.DRONE_BUILD_NUMBER).toBe('42');
  });

  it('numbers pipelines in file order and keeps a secret out of the literal environment', () => {
    const text = `kind: pipeline
name: one
steps:
- name: a
  image: x
  environment:
    TOKEN: literal
  settings:
    token:
      from_secret: real
---
kind: pipeline
name: two
steps:
- name: b
  image: x
  environment:
    PLUGIN_TOKEN: literal
    TOKEN:
      from_secret: t
`;
    const [one, two] = jobs(text);
    expect(one!.steps[0]!.environment.DRONE_STAGE_NUMBER).toBe('1');
    expect(two!.steps[0]!.environment.DRONE_STAGE_NUMBER).toBe('2');
    expect(one!.steps[0]!.environment.TOKEN).toBe('literal');
    expect(one!.steps[0]!.environment.PLUGIN_TOKEN).toBeUndefined();
    expect(two!.steps[0]!.environment.TOKEN).toBeUndefined();
    expect(two!.steps[0]!.secrets).toEqual([{ source: 't', target: 'TOKEN' }]);
  });

  it('gives services no plugin variables and no dependencies', () => {
    const text =
      'services:\n  db:\n    image: postgres\n    port: 5432\npipeline:\n  a:\n    image: x\n    commands: [a]\n';
    const [job] = jobs(text);
    expect(job!.services[0]!.environment.PLUGIN_PORT).toBeUndefined();
    expect(job!.services[0]!.dependsOn).toEqual([]);
    expect(job!.services[0]!.detach).toBe(true);
  });

  it('takes an absolute 1.x workspace path as the base, as Drone does', () => {
    const [job] = jobs('kind: pipeline\nworkspace:\n  path: /go/src/app\nsteps: [{name: a, image: x}]\n');
    expect(job!.workspace).toEqual({ base: '/go/src/app', path: '', dir: '/go/src/app' });
  });

  it('applies step conditions with the axis of a 0.8 matrix and the deployment target', () => {
    const text = `kind: pipeline
steps:
- name: prod
  image: x
  when:
    event: [promote]
    target: [production]
`;
    const [prod] = jobs(text, testBuild({ event: 'promote', deployTo: 'production' }));
    expect(prod!.steps[0]!.run).toBe(true);
    const [staging] = jobs(text, testBuild({ event: 'promote', deployTo: 'staging' }));
    expect(staging!.steps[0]!.skipReason).toBe(
      "its when excludes this build: target 'staging' does not match [production]",
    );
  });

  it('names images without registry, tag or digest when deciding privileged plugins', () => {
    expect(imageName('plugins/docker')).toBe('plugins/docker');
    expect(imageName('plugins/docker:20.10')).toBe('plugins/docker');
    expect(imageName('docker.io/plugins/docker@sha256:abc')).toBe('plugins/docker');
    expect(imageName('registry.example.com:5000/plugins/docker:1')).toBe(
      'registry.example.com:5000/plugins/docker',
    );
    expect(imageName('library/alpine:3')).toBe('alpine');
  });
});
