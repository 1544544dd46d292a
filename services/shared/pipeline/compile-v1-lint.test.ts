import { describe, expect, it } from 'vitest';
import { lintPipeline } from './compile.js';
import { lintErrors, located } from './compile.test-support.js';

describe('1.x lint rules', () => {
  it('refuses duplicate step names, including a step named clone', () => {
    expect(
      lintErrors(
        'kind: pipeline\nsteps:\n- {name: a, image: x}\n- {name: a, image: x}\n- {name: clone, image: x}\n',
      ),
    ).toEqual([
      "4:3 the step name 'a' is used twice (first at line 3); give each step a unique name",
      "5:3 the step name 'clone' is used twice (the clone step has that name); give each step a unique name",
    ]);
  });

  it('refuses depends_on naming no step, depending on itself, and cycles', () => {
    const text = `kind: pipeline
steps:
- name: a
  image: x
  depends_on: [c]
- name: b
  image: x
  depends_on: [bb]
- name: c
  image: x
  depends_on: [a]
`;
    expect(lintErrors(text)).toEqual([
      '5:3 steps depend on each other in a circle (a → c → a); remove one of these depends_on entries',
      "8:3 step 'b' depends on 'bb', which is not a step of pipeline 'default'; did you mean 'b'?",
    ]);
    expect(lintErrors('kind: pipeline\nsteps:\n- {name: a, image: x, depends_on: [a]}\n')).toEqual([
      "3:23 step 'a' depends on itself; remove 'a' from its depends_on",
    ]);
  });

  it('refuses pipeline depends_on naming no pipeline, cycles and duplicate pipeline names', () => {
    const text = `kind: pipeline
name: a
depends_on: [b]
steps: [{name: s, image: x}]
---
kind: pipeline
name: b
depends_on: [a, nope]
steps: [{name: s, image: x}]
---
kind: pipeline
name: b
steps: [{name: s, image: x}]
`;
    expect(lintErrors(text)).toEqual([
      '3:1 pipelines depend on each other in a circle (a → b → a); remove one of these depends_on entries',
      "8:1 pipeline 'b' depends on 'nope', which is not a pipeline in this file",
      "12:1 the pipeline name 'b' is used twice (first at line 6); give each pipeline a unique name",
    ]);
  });

  it("says 'step X has no image' in docker pipelines only", () => {
    expect(lintErrors('kind: pipeline\nsteps:\n- name: build\n  commands: [make]\n')).toEqual([
      "3:3 step 'build' has no image; add 'image: ...' (for example image: alpine:3)",
    ]);
    expect(
      lintErrors('kind: pipeline\ntype: ssh\nserver: {host: h}\nsteps:\n- name: build\n  commands: [make]\n'),
    ).toEqual([]);
  });

  it('refuses wrong types with the field and the shape it needs', () => {
    expect(lintErrors('kind: pipeline\nsteps:\n- name: a\n  image: x\n  commands: make\n')).toEqual([
      "5:13 step 'a': commands must be a list of strings (one '- item' per line), not a single value",
    ]);
    expect(
      lintErrors('kind: pipeline\nsteps:\n- name: a\n  image: [x]\n  privileged: maybe\n', true),
    ).toEqual([
      "4:10 step 'a': image must be a single value, not a list",
      "5:15 step 'a': privileged must be true or false",
    ]);
    expect(lintErrors('kind: pipeline\nsteps: {a: b}\n')).toEqual([
      "2:8 pipeline 'default': steps must be a list of steps, each starting with '- name: ...'",
    ]);
  });

  it('warns about a misspelt from_secret and refuses it in environment', () => {
    const r = lintPipeline(
      'kind: pipeline\nsteps:\n- name: a\n  image: x\n  settings:\n    token:\n      form_secret: t\n  environment:\n    B:\n      form_secret: t\n',
    );
    expect(located(r.warnings)).toEqual([
      "7:7 step 'a' settings token: 'form_secret' is not 'from_secret', so no secret is used; did you mean 'from_secret'?",
      "10:7 step 'a' environment B: 'form_secret' is not 'from_secret', so no secret is used; did you mean 'from_secret'?",
    ]);
  });

  it('refuses a document without kind and an unknown kind', () => {
    expect(lintErrors('steps:\n- {name: a, image: x}\n')).toEqual([
      "1:1 this document has no 'kind'; add 'kind: pipeline' at its top",
    ]);
    expect(lintErrors('kind: pipelin\nsteps: []\n')[0]).toContain(
      "unknown kind 'pipelin'; did you mean 'pipeline'?",
    );
  });

  it('refuses a mount of a volume the pipeline does not define', () => {
    expect(
      lintErrors('kind: pipeline\nsteps:\n- name: a\n  image: x\n  volumes:\n  - {name: cache, path: /c}\n'),
    ).toEqual([
      "6:5 step 'a' volumes: volume 'cache' is not defined; add it under the pipeline's 'volumes:' with 'host:' or 'temp:'",
    ]);
  });
});
