/**
 * Drone's YAML decoding ignored keys it did not know, so a file Drone ran
 * runs on Hangar too: unknown keys are warnings that name the key, suggest
 * the key meant and say what happens instead. They stay errors only where
 * nothing could run (a step without an image, a pipeline without steps), and
 * then the error points at the unknown key that is the likely cause.
 */
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, lintPipeline } from './compile.js';
import { located } from './compile.test-support.js';
import { testBuild } from './testing.js';

function compiles(text: string, ctx = testBuild()) {
  const r = compile(text, ctx);
  expect(located(r.errors)).toEqual([]);
  return r;
}

describe('unknown 1.x step keys', () => {
  it('ignores a misspelt commands with a warning; the step runs its entrypoint', () => {
    const text = `kind: pipeline
steps:
- name: artificial fail
  image: alpine
  commads:
  - bash -c "exit -1"
`;
    const r = compiles(text);
    expect(located(r.warnings)).toEqual([
      "5:3 step 'artificial fail': unknown key 'commads' is ignored, as Drone does; did you mean 'commands'? Without commands the step runs its image's entrypoint",
    ]);
    const step = r.jobs[0]!.steps[0]!;
    expect(step.commands).toEqual([]);
    expect(step.entrypoint).toBeUndefined();
    expect(step.run).toBe(true);
  });

  it('does not say what is missing when the step has the key as well', () => {
    const r = compiles('kind: pipeline\nsteps:\n- name: a\n  image: x\n  commands: [ls]\n  comands: [pwd]\n');
    expect(located(r.warnings)).toEqual([
      "6:3 step 'a': unknown key 'comands' is ignored, as Drone does; did you mean 'commands'?",
    ]);
    expect(r.jobs[0]!.steps[0]!.commands).toEqual(['ls']);
  });

  it('ignores step-level clone, 0.8 group and secrets, saying what to write in 1.x', () => {
    const text = `kind: pipeline
steps:
- name: install
  image: node
  commands: [npm ci]
- name: build
  image: node
  clone:
    disable: true
  group: build
  secrets: [token]
  commands: [npm run build]
`;
    const r = compiles(text);
    expect(located(r.warnings)).toEqual([
      "8:3 step 'build': unknown key 'clone' is ignored, as Drone does; clone is set per pipeline ('clone: disable: true' at the pipeline's top level)",
      "10:3 step 'build': unknown key 'group' is ignored, as Drone does; in 1.x steps run one after another unless 'depends_on' says otherwise, so use depends_on to run steps in parallel",
      "11:3 step 'build': unknown key 'secrets' is ignored, as Drone does; the step gets none of these secrets, in 1.x write them under environment as 'NAME: {from_secret: name}'",
    ]);
    const [job] = r.jobs;
    expect(job!.clone).not.toBeNull();
    expect(job!.steps[1]!.dependsOn).toEqual(['install']);
    expect(job!.steps[1]!.secrets).toEqual([]);
  });

  it('refuses a step without image, naming the misspelt key at its own line and column', () => {
    const text = 'kind: pipeline\nsteps:\n- name: build\n  imgae: golang\n  commands: [go build]\n';
    const r = compile(text, testBuild());
    expect(r.ok).toBe(false);
    expect(r.errors.map((d) => formatDiagnostic('.drone.yml', d))).toEqual([
      ".drone.yml:4:3: step 'build' has no image; did you mean 'image' instead of 'imgae' (line 4)?",
    ]);
    // the error already names the key: no second message about it
    expect(r.warnings).toEqual([]);
  });

  it('refuses a step without image and without a likely misspelling at the step', () => {
    expect(located(lintPipeline('kind: pipeline\nsteps:\n- name: a\n  commands: [ls]\n').errors)).toEqual([
      "3:3 step 'a' has no image; add 'image: ...' (for example image: alpine:3)",
    ]);
  });

  it('checks no keys of pipelines of another type', () => {
    const r = lintPipeline('kind: pipeline\ntype: exec\nsteps:\n- {name: a, commads: [ls], shell: bash}\n');
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
  });
});

describe('unknown 1.x pipeline keys', () => {
  it('ignores kubernetes keys and a pipeline-level when, saying where they belong', () => {
    const text = `kind: pipeline
name: notify
when:
  branch: [release]
node_selector:
  drone-builds: true
resources:
  limits: {memory: 2GB}
clone:
  dept: 1
steps:
- name: a
  image: alpine
  commands: [echo hi]
`;
    const r = compiles(text, testBuild({ branch: 'master' }));
    expect(located(r.warnings)).toEqual([
      "3:1 pipeline 'notify': unknown key 'when' is ignored, as Drone does; pipelines use 'trigger:' for their conditions, so these do not apply; move them under 'trigger:'",
      "5:1 pipeline 'notify': unknown key 'node_selector' is ignored, as Drone does; it belongs to kubernetes pipelines, docker pipelines pick runners with 'node:'",
      "7:1 pipeline 'notify': unknown key 'resources' is ignored, as Drone does; it belongs to kubernetes pipelines, set mem_limit on each step instead",
      "10:3 pipeline 'notify': unknown clone option 'dept' is ignored, as Drone does; did you mean 'depth'?",
    ]);
    // the ignored `when: branch: [release]` does not stop a build of master
    expect(r.jobs[0]!.run).toBe(true);
  });

  it('refuses a pipeline whose steps sit under a misspelt or 0.8 key, citing that key', () => {
    const typo = compile('kind: pipeline\nname: ci\nstpes:\n- {name: a, image: x}\n', testBuild());
    expect(located(typo.errors)).toEqual([
      "3:1 pipeline 'ci' has no steps; did you mean 'steps' instead of 'stpes' (line 3)?",
    ]);
    expect(typo.warnings).toEqual([]);
    const old = lintPipeline('kind: pipeline\npipeline:\n  a: {image: x}\n');
    expect(located(old.errors)).toEqual([
      "2:1 pipeline 'default' has no steps; its 'pipeline:' section (line 2) is the Drone 0.8 format, in 1.x list the steps under 'steps:'",
    ]);
    const other = lintPipeline('kind: pipeline\njobs:\n- {name: a, image: x}\n');
    expect(located(other.errors)).toEqual([
      "2:1 pipeline 'default' has no steps; 'jobs' (line 2) is not a pipeline key, list the steps under 'steps:'",
    ]);
  });

  it('warns about a misspelt key beside the steps and compiles', () => {
    const r = compiles('kind: pipeline\nstpes: []\nsteps:\n- {name: a, image: x}\n');
    expect(located(r.warnings)).toEqual([
      "2:1 pipeline 'default': unknown key 'stpes' is ignored, as Drone does; did you mean 'steps'?; remove it or fix its spelling",
    ]);
  });

  it("refuses a document whose 'kind' is misspelt, citing the key", () => {
    expect(located(lintPipeline('kidn: pipeline\nsteps:\n- {name: a, image: x}\n').errors)).toEqual([
      "1:1 this document has no 'kind'; did you mean 'kind' instead of 'kidn' (line 1)?",
    ]);
  });
});

describe('unknown top-level keys in 0.8 files', () => {
  it('ignores version, a 0.4 section beside the pipeline and other keys, with warnings', () => {
    const text = `version: '3'
pipeline:
  test:
    image: golang
    commands: [go test]
plugin:
  name: drone-helm
notifyy: true
`;
    const r = compiles(text);
    expect(located(r.warnings)).toEqual([
      "1:1 unknown key 'version' is ignored, as Drone does; Drone 0.8 files have no version, remove it",
      "6:1 'plugin:' is a Drone 0.4 section, which Drone 0.8 ignored and so does Hangar; move what it should do into a step under 'pipeline:'",
      "8:1 unknown key 'notifyy' is ignored, as Drone does; remove it or fix its spelling",
    ]);
    expect(r.jobs[0]!.steps.map((s) => s.name)).toEqual(['test']);
  });

  it('refuses a file without pipeline, citing the misspelt key or the 0.4 section', () => {
    expect(located(lintPipeline('version: 3\npipline:\n  a: {image: x}\n').errors)).toEqual([
      "2:1 the file has no 'pipeline:' section; did you mean 'pipeline' instead of 'pipline' (line 2)?",
    ]);
    expect(located(lintPipeline('build:\n  image: golang\n  commands: [make]\n').errors)).toEqual([
      "1:1 the file has no 'pipeline:' section; 'build:' (line 1) is a Drone 0.4 section, which Drone 0.8 and Hangar do not read; move its steps under 'pipeline:'",
    ]);
  });

  it('refuses a 0.8 step without image, naming the misspelt key', () => {
    expect(located(lintPipeline('pipeline:\n  build:\n    imgae: golang\n').errors)).toEqual([
      "3:5 step 'build' has no image; did you mean 'image' instead of 'imgae' (line 3)?",
    ]);
  });
});

describe('unknown condition keys', () => {
  it('ignores change: and branches: under when:, and the step runs as Drone ran it', () => {
    const text = `pipeline:
  build:
    image: x
    commands: [make]
  slack:
    image: plugins/slack
    when:
      change: true
      branches: [release]
`;
    const r = compiles(text, testBuild({ branch: 'master' }));
    expect(located(r.warnings)).toEqual([
      "8:7 when of step 'slack': unknown condition 'change' is ignored, as Drone does, so it does not limit when the step runs",
      "9:7 when of step 'slack': unknown condition 'branches' is ignored, as Drone does, so it does not limit when the step runs; did you mean 'branch'?",
    ]);
    expect(r.jobs[0]!.steps.find((s) => s.name === 'slack')!.run).toBe(true);
  });

  it('says a trigger key limits no pipeline, and that matrix conditions are 0.8 only', () => {
    const text = `kind: pipeline
trigger:
  evnet: [tag]
steps:
- name: a
  image: x
  when:
    matrix: {GO: '1.22'}
`;
    const r = compiles(text);
    expect(located(r.warnings)).toEqual([
      "3:3 trigger of pipeline 'default': unknown condition 'evnet' is ignored, as Drone does, so it does not limit when the pipeline runs; did you mean 'event'?",
      "8:5 when of step 'a': unknown condition 'matrix' is ignored, as Drone does, so it does not limit when the step runs; matrix conditions exist only in Drone 0.8 files",
    ]);
    expect(r.jobs[0]!.run).toBe(true);
  });
});
