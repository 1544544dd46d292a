/**
 * bin/hangar.js picks what to run: the bundle in dist/ while nothing it is
 * built from changed after dist/.stamp, the TypeScript sources through tsx
 * otherwise or when HANGAR_FROM_SOURCE=1. Run as real processes in a scratch
 * copy of the layout, whose two `main` functions say which one ran.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from './commands/run-cli.test-support.js';

const run = promisify(execFile);
let dir = '';
/** When the scratch bundle was built; sources are dated an hour before it. */
const BUILT = Date.now();
const BEFORE = new Date(BUILT - 3_600_000);
const AFTER = new Date(BUILT + 60_000);

function write(path: string, text: string, mtime = BEFORE): void {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  utimesSync(full, mtime, mtime);
}

function touch(path: string, mtime: Date): void {
  utimesSync(join(dir, path), mtime, mtime);
}

async function hangar(env: NodeJS.ProcessEnv = {}): Promise<{ out: string; code: number }> {
  const { HANGAR_FROM_SOURCE: _, ...base } = process.env;
  try {
    const r = await run(process.execPath, ['bin/hangar.js', 'lint', 'x.yml'], {
      cwd: dir,
      env: { ...base, ...env },
    });
    return { out: r.stdout, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; code: number };
    return { out: e.stdout, code: e.code };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hangar-entry-'));
  mkdirSync(join(dir, 'bin'));
  for (const f of ['hangar.js', 'bundle.js']) copyFileSync(join(repoRoot, 'bin', f), join(dir, 'bin', f));
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  write('package.json', '{ "type": "module" }\n');
  write('package-lock.json', '{}\n');
  write('proto/hangar/v1/runner.proto', 'syntax = "proto3";\n');
  write('services/shared/README.md', 'notes\n');
  write(
    'services/cli/main.ts',
    "export async function main(argv: string[]): Promise<number> {\n  process.stdout.write('source ' + argv.join(' '));\n  return 3;\n}\n",
  );
  write(
    'dist/main.js',
    "export async function main(argv) {\n  process.stdout.write('bundle ' + argv.join(' '));\n  return 4;\n}\n",
  );
});

beforeEach(() => {
  write('dist/.stamp', `${BUILT}\n`);
  for (const f of [
    'package.json',
    'package-lock.json',
    'proto/hangar/v1/runner.proto',
    'services/cli/main.ts',
  ])
    touch(f, BEFORE);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('bin/hangar.js', () => {
  it('runs dist/ when it is newer than every source, with the arguments and exit code', async () => {
    expect(await hangar()).toEqual({ out: 'bundle lint x.yml', code: 4 });
  });

  it('runs the sources through tsx when one of them changed after the build', async () => {
    touch('services/cli/main.ts', AFTER);
    expect(await hangar()).toEqual({ out: 'source lint x.yml', code: 3 });
  });

  it('runs the sources when a .proto file or the package manifests changed after the build', async () => {
    touch('proto/hangar/v1/runner.proto', AFTER);
    expect((await hangar()).out).toBe('source lint x.yml');
    touch('proto/hangar/v1/runner.proto', BEFORE);
    touch('package-lock.json', AFTER);
    expect((await hangar()).out).toBe('source lint x.yml');
  });

  it('keeps running dist/ when only tests or notes changed', async () => {
    write('services/cli/other.test.ts', 'export {};\n', AFTER);
    touch('services/shared/README.md', AFTER);
    try {
      expect((await hangar()).out).toBe('bundle lint x.yml');
    } finally {
      unlinkSync(join(dir, 'services/cli/other.test.ts'));
      touch('services/shared/README.md', BEFORE);
    }
  });

  it('runs the sources without a build stamp, or with HANGAR_FROM_SOURCE=1', async () => {
    expect((await hangar({ HANGAR_FROM_SOURCE: '1' })).out).toBe('source lint x.yml');
    unlinkSync(join(dir, 'dist/.stamp'));
    expect((await hangar()).out).toBe('source lint x.yml');
  });
});
