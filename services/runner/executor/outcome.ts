import { formatBytes } from '../../shared/config/values.js';
import type { StepStatus } from '../../shared/job/events.js';

/** How a container's end reads to a person. */
export interface EndFacts {
  exitCode: number;
  oomKilled: boolean;
  /** The memory limit the container ran under, in bytes. */
  memLimit?: number;
  /** Set when the step's own timeout stopped it. */
  timedOutAfterMs?: number;
  /** Set when the job was cancelled or timed out while the step ran: the sentence to report. */
  killedBecause?: string;
  /** Docker's message when the container could not run its command. */
  engineError?: string;
}

export interface Ending {
  status: StepStatus;
  exitCode: number;
  oomKilled: boolean;
  error?: string;
}

const SIGKILL_EXIT = 137;

export function describeEnd(f: EndFacts): Ending {
  const base = { exitCode: f.exitCode };
  if (f.killedBecause !== undefined) {
    return { ...base, status: 'killed', oomKilled: false, error: f.killedBecause };
  }
  if (f.timedOutAfterMs !== undefined) {
    return {
      ...base,
      status: 'killed',
      oomKilled: false,
      error: `timed out after ${formatDuration(f.timedOutAfterMs)}`,
    };
  }
  // Docker sets OOMKilled when the kernel killed a process of the container's
  // cgroup; a shell that ran the killed process exits 137 under the limit.
  const oom = f.oomKilled || (f.exitCode === SIGKILL_EXIT && f.memLimit !== undefined);
  if (oom) {
    const limit = f.memLimit === undefined ? '' : ` (limit ${formatBytes(f.memLimit)})`;
    return { ...base, status: 'failure', oomKilled: true, error: `killed: out of memory${limit}` };
  }
  if (f.exitCode === 0) return { ...base, status: 'success', oomKilled: false };
  if (f.engineError) return { ...base, status: 'error', oomKilled: false, error: f.engineError };
  return { ...base, status: 'failure', oomKilled: false, error: `exited with code ${f.exitCode}` };
}

/** 90_000 → '1m30s'; 1500 → '1.5s'; 250 → '250ms'. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}
