/**
 * The merge-request summary note: each pipeline and step of the latest build
 * with status, duration and a link; the last lines of a failed step's log in
 * a collapsed block; a memory kill said in words. Pure: build in, Markdown out.
 * The hidden marker lets the bot find its note again.
 */
import type { BuildMessage } from '../api/build-service.js';
import { buildUrl, formatSeconds, stepOutcome } from '../statuses/describe.js';

type JobMessage = BuildMessage['jobs'][number];
type StepMessage = JobMessage['steps'][number];

export const SUMMARY_MARKER = '<!-- hangar:summary -->';

export interface RenderOptions {
  publicUrl: string;
  /** Last log lines of failed steps, by `<job number>/<step name>`. */
  logs: ReadonlyMap<string, readonly string[]>;
  now?: number;
}

export function logKey(job: Pick<JobMessage, 'number'>, step: Pick<StepMessage, 'name'>): string {
  return `${job.number}/${step.name}`;
}

const ICON: Record<string, string> = {
  PENDING: '⏳',
  QUEUED: '⏳',
  BLOCKED: '✋',
  RUNNING: '🔄',
  SUCCESS: '✅',
  FAILURE: '❌',
  KILLED: '⛔',
  ERROR: '❗',
  SKIPPED: '⏭️',
  STATUS_UNSPECIFIED: '⏳',
};

const WORD: Record<string, string> = {
  PENDING: 'pending',
  QUEUED: 'queued',
  BLOCKED: 'waiting for approval',
  RUNNING: 'running',
  SUCCESS: 'passed',
  FAILURE: 'failed',
  KILLED: 'cancelled',
  ERROR: 'error',
  SKIPPED: 'skipped',
  STATUS_UNSPECIFIED: 'pending',
};

function span(startedMs: number, finishedMs: number, now: number): string {
  if (startedMs <= 0) return '–';
  const end = finishedMs >= startedMs ? finishedMs : now;
  return formatSeconds(end - startedMs);
}

/** Table cells must not break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A memory kill in words a person can act on. */
export function oomSentence(step: StepMessage): string {
  const limit = /\(limit ([^)]+)\)/.exec(step.error)?.[1];
  return `**${step.name}** ran out of memory: it used more than ${limit === undefined ? 'its memory limit' : `its limit of ${limit}`} and the kernel stopped it. Raise \`mem_limit\` for the step or make it use less memory.`;
}

function stepStatus(step: StepMessage): string {
  const icon = ICON[step.status] ?? '';
  const bad =
    step.status === 'FAILURE' || step.status === 'ERROR' || step.status === 'KILLED' || step.oomKilled;
  return `${icon} ${bad ? stepOutcome(step) : (WORD[step.status] ?? step.status.toLowerCase())}`;
}

function fence(lines: readonly string[]): string {
  const longest = Math.max(
    2,
    ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))),
  );
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${lines.join('\n')}\n${f}`;
}

function axisText(axis: Record<string, string>): string {
  const vars = Object.entries(axis).sort(([a], [b]) => a.localeCompare(b));
  return vars.length === 0 ? '' : ` (${vars.map(([k, v]) => `${k}=${v}`).join(', ')})`;
}

function renderJob(job: JobMessage, url: string, opts: RenderOptions, now: number): string[] {
  const out: string[] = [];
  const jobUrl = `${url}/${job.number}`;
  const extra = job.error !== '' && job.status !== 'SUCCESS' ? ` — ${cell(job.error)}` : '';
  out.push(
    `#### ${ICON[job.status] ?? ''} [${cell(job.name)}${cell(axisText(job.axis))}](${jobUrl}) — ${WORD[job.status] ?? job.status}, ${span(job.startedMs, job.finishedMs, now)}${extra}`,
    '',
  );
  if (job.steps.length > 0) {
    out.push('| Step | Status | Duration |', '| --- | --- | --- |');
    for (const s of job.steps) {
      out.push(
        `| [${cell(s.name)}](${jobUrl}/${s.number}) | ${cell(stepStatus(s))} | ${span(s.startedMs, s.finishedMs, now)} |`,
      );
    }
    out.push('');
  }
  for (const s of job.steps) {
    if (s.oomKilled) out.push(oomSentence(s), '');
    const lines = opts.logs.get(logKey(job, s));
    if (lines === undefined) continue;
    out.push(
      '<details>',
      `<summary>Last ${lines.length} lines of the log of <code>${s.name.replace(/[<>&]/g, '')}</code></summary>`,
      '',
      lines.length === 0 ? '_The step printed nothing._' : fence(lines),
      '',
      '</details>',
      '',
    );
  }
  return out;
}

export function renderSummary(build: BuildMessage, opts: RenderOptions): string {
  const now = opts.now ?? Date.now();
  const url = buildUrl(opts.publicUrl, build.repoSlug, build.number);
  const out: string[] = [SUMMARY_MARKER];
  out.push(
    `### ${ICON[build.status] ?? ''} Hangar [build #${build.number}](${url}) ${WORD[build.status] ?? build.status}`,
    '',
    `Commit \`${build.sha.slice(0, 8)}\` · ${span(build.startedMs, build.finishedMs, now)}`,
    '',
  );
  if (build.error !== '') out.push(`> ${cell(build.error)}`, '');
  if (build.jobs.length === 0 && build.error === '')
    out.push('_No pipeline runs for this merge request._', '');
  for (const job of build.jobs) out.push(...renderJob(job, url, opts, now));
  return `${out.join('\n').trimEnd()}\n`;
}

/** Steps whose log tail the summary shows: failed ones of finished pipelines. */
export function failedSteps(build: BuildMessage): { job: JobMessage; step: StepMessage }[] {
  const out: { job: JobMessage; step: StepMessage }[] = [];
  for (const job of build.jobs) {
    for (const step of job.steps) {
      if (step.status === 'FAILURE' || step.status === 'ERROR' || step.oomKilled) out.push({ job, step });
    }
  }
  return out;
}
