/**
 * `node bin/hangar.js <subcommand>` as users run it, for the memory benches:
 * the bundle in dist/ (rebuilt first when a source is newer), started again
 * when a source changed before it was ready (bin/hangar.js would then have run
 * the sources through tsx). BENCH_NODE_ARGS passes V8 flags to try.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { bundleState, ROOT } from '../../bin/bundle.js';

export interface BundledProcess {
  proc: ChildProcess;
  /** Its stdout and stderr so far. */
  output: () => string;
}

/** Resident set size of a process, from /proc. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** Sends SIGTERM and waits for the exit (at once when it already exited). */
export function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

/** Collects a process's output; `ready` resolves once `text` appears in it. */
function watch(proc: ChildProcess, text: string, timeoutMs: number) {
  let seen = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no '${text}' within ${timeoutMs} ms:\n${seen.slice(-4000)}`)),
      timeoutMs,
    );
    const on = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', on);
    proc.stderr?.on('data', on);
    proc.once('exit', (code) => reject(new Error(`exited with ${code}:\n${seen.slice(-4000)}`)));
  });
  return { ready, output: () => seen };
}

/** Starts `bin/hangar.js <subcommand>` from dist/ and waits for `readyText` in its output. */
export async function startBundled(
  subcommand: string,
  env: NodeJS.ProcessEnv,
  readyText: string,
  timeoutMs: number,
): Promise<BundledProcess> {
  const { HANGAR_FROM_SOURCE: _, ...clean } = env;
  for (let attempt = 1; ; attempt++) {
    if (bundleState() !== 'current')
      execFileSync('bash', ['scripts/build.sh'], { cwd: ROOT, stdio: 'ignore' });
    const proc = spawn(
      process.execPath,
      [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), 'bin/hangar.js', subcommand],
      { cwd: ROOT, env: clean, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const watched = watch(proc, readyText, timeoutMs);
    await watched.ready;
    const state = bundleState();
    if (state === 'current') return { proc, output: watched.output };
    await stopProcess(proc);
    if (attempt === 3)
      throw new Error(`dist/ keeps going stale (${state} changed); not measuring the sources`);
  }
}
