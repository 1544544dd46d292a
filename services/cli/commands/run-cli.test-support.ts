import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { type CliIO, main } from '../main.js';

/** What the command tests share: run `hangar` in-process or as a process, and scratch pipeline files. */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `hangar ...argv` in this process, collecting what it prints. */
export async function runCli(argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    setExitCode: () => {},
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Runs `node bin/hangar.js ...args` as a real process; a failed exit is returned, not thrown. */
export async function runProcess(args: string[], cwd: string): Promise<CliRun> {
  const exec = promisify(execFile);
  try {
    const r = await exec('node', [join(repoRoot, 'bin', 'hangar.js'), ...args], { cwd });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const failed = e as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw e;
    return { code: failed.code, out: failed.stdout ?? '', err: failed.stderr ?? '' };
  }
}

export interface Scratch {
  dir: string;
  /** Writes a file into the folder and returns its path. */
  file: (name: string, text: string) => string;
}

/** A temporary folder for one test file, removed after its tests. */
export function scratchDir(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}
