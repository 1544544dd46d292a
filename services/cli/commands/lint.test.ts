import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, runProcess, scratchDir } from './run-cli.test-support.js';

const { dir, file } = scratchDir('hangar-lint-');

const BAD = `kind: pipeline
steps:
- name: build
  imgae: golang
  privileged: true
`;

describe('hangar lint', () => {
  it('exits 0 and says the file is valid', async () => {
    const r = await runCli(['lint', join(repoRoot, 'examples', '.drone.yml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\.drone\.yml: valid \(1 pipeline, 4 steps\)\n$/);
  });

  it('exits 1 and prints FILE:LINE:COL: message for each error, warnings marked', async () => {
    const path = file('bad.yml', `${BAD}  image: a\n  image: b\n`);
    const r = await runCli(['lint', path]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      `${path}:4:3: warning: step 'build': unknown key 'imgae' is ignored, as Drone does; did you mean 'image'?`,
      `${path}:5:3: step 'build' runs privileged ('privileged: true'), which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted`,
      `${path}:7:3: warning: the key 'image' is given twice (first at line 6); the last value is used, remove one of them`,
    ]);
  });

  it('accepts trusted-only options with --trusted', async () => {
    const path = file('trusted.yml', 'kind: pipeline\nsteps:\n- {name: a, image: x, privileged: true}\n');
    expect((await runCli(['lint', path])).code).toBe(1);
    expect((await runCli(['lint', path, '--trusted'])).code).toBe(0);
  });

  it('prints JSON with ok, errors and warnings', async () => {
    const path = file('json.yml', BAD);
    const r = await runCli(['lint', path, '--format', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      ok: false,
      errors: [
        {
          line: 4,
          column: 3,
          message: "step 'build' has no image; did you mean 'image' instead of 'imgae' (line 4)?",
        },
        {
          line: 5,
          column: 3,
          message:
            "step 'build' runs privileged ('privileged: true'), which only trusted repositories may do; remove it, or have an administrator mark the repository as trusted",
        },
      ],
      warnings: [],
    });
  });

  it('says which file is missing, and refuses an unknown format', async () => {
    const missing = await runCli(['lint', join(dir, 'nope.yml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(
      `hangar: '${join(dir, 'nope.yml')}' does not exist; give the path of a pipeline file such as .drone.yml\n`,
    );
    const format = await runCli(['lint', join(repoRoot, 'examples', '.drone.yml'), '--format', 'xml']);
    expect(format.code).toBe(1);
    expect(format.err).toContain("--format 'xml' is not known");
  });

  it('runs as a real process: node bin/hangar.js lint', async () => {
    const ok = await runProcess(['lint', 'examples/.drone.yml'], repoRoot);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe('examples/.drone.yml: valid (1 pipeline, 4 steps)\n');
    const path = file('proc.yml', BAD);
    const failed = await runProcess(['lint', path], repoRoot);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain(
      `${path}:4:3: step 'build' has no image; did you mean 'image' instead of 'imgae' (line 4)?`,
    );
  });
});
