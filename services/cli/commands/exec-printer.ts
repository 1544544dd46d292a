/**
 * What `hangar exec` prints: log lines prefixed with their step (coloured on
 * a terminal) and a summary per pipeline, or JSON lines and a final status
 * object with `--format json`.
 */
import type { JobResult, JobStatus, LogLine, StepState } from '../../shared/job/events.js';
import { planSpecs } from '../../shared/pipeline/specs.js';
import type { JobPlan } from '../../shared/pipeline/types.js';
import type { CliIO } from '../main.js';

const COLOURS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];

/** Writes log lines and summaries in the chosen format. */
export class Printer {
  private readonly width: number;
  private readonly colours = new Map<string, number>();
  private readonly multi: boolean;

  constructor(
    private readonly io: CliIO,
    private readonly format: 'pretty' | 'json',
    jobs: JobPlan[],
  ) {
    this.multi = jobs.length > 1;
    const names = jobs.flatMap((j) => planSpecs(j).map((s) => s.name));
    this.width = Math.min(24, Math.max(4, ...names.map((n) => n.length)));
  }

  lines(pipeline: string, batch: LogLine[]): void {
    let out = '';
    for (const l of batch) {
      if (this.format === 'json') {
        out += `${JSON.stringify({ pipeline, step: l.step, stream: l.stream, time: l.time, line: l.line })}\n`;
      } else {
        out += `${this.label(l.step)} ${l.line}\n`;
      }
    }
    this.io.out(out);
  }

  skipped(pipeline: string, reason: string): void {
    if (this.format === 'pretty') this.io.out(`pipeline ${pipeline}: skipped, ${reason}\n`);
  }

  summary(pipeline: string, result: JobResult): void {
    if (this.format === 'json') return;
    const head = this.multi ? `pipeline ${pipeline}: ` : '';
    const lines = [
      `\n${head}${result.status} in ${seconds(result.durationMs)}${result.error ? ` (${result.error})` : ''}`,
    ];
    for (const s of result.steps) {
      const exit = s.exitCode === undefined ? '' : `exit ${s.exitCode}`;
      const time = s.durationMs === undefined ? '' : seconds(s.durationMs);
      const why = s.error !== undefined && s.status !== 'success' ? s.error : '';
      lines.push(
        `  ${s.name.padEnd(this.width)}  ${s.status.padEnd(8)} ${exit.padEnd(9)} ${time.padStart(6)}  ${why}`.trimEnd(),
      );
    }
    this.io.out(`${lines.join('\n')}\n`);
  }

  end(status: JobStatus, results: Map<string, JobResult>): void {
    if (this.format === 'pretty') {
      if (this.multi) this.io.out(`\n${status}\n`);
      return;
    }
    const steps = [...results].flatMap(([pipeline, r]) =>
      r.steps.map((s) => ({ ...(this.multi ? { pipeline } : {}), ...stepJson(s) })),
    );
    this.io.out(`${JSON.stringify({ status, steps })}\n`);
  }

  private label(step: string): string {
    const text = `[${step}]`.padEnd(this.width + 2);
    if (!this.io.isTTY) return text;
    let c = this.colours.get(step);
    if (c === undefined) {
      c = COLOURS[this.colours.size % COLOURS.length] ?? 36;
      this.colours.set(step, c);
    }
    return `\x1b[${c}m${text}\x1b[0m`;
  }
}

function stepJson(s: StepState) {
  return {
    name: s.name,
    status: s.status,
    exitCode: s.exitCode ?? null,
    oomKilled: s.oomKilled,
    durationMs: s.durationMs ?? null,
    ...(s.error === undefined ? {} : { error: s.error }),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
