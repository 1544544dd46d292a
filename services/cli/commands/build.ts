/**
 * `hangar build ls|info|logs|create|restart|cancel`: builds on the server
 * (HANGAR_SERVER, HANGAR_TOKEN).
 */
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';
import type { BuildJson } from '../client/api.js';
import { apiFromEnv, formatOf, print, withFormat } from '../client/output.js';
import { details, table, took, when } from '../client/table.js';
import type { CliIO } from '../main.js';

interface FormatOpt {
  format?: string;
}

function num(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new HangarError(`${what} '${text}' is not a number`);
  }
  return Number(text);
}

/** KEY=VALUE pairs → object. */
export function paramsOf(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new HangarError(`--param '${p}' is not KEY=VALUE`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function buildTable(builds: BuildJson[]): string {
  if (builds.length === 0) return 'No builds.\n';
  return table(
    ['build', 'status', 'event', 'ref', 'commit', 'author', 'created', 'took'],
    builds.map((b) => [
      b.number,
      b.status,
      b.event,
      b.merge_request_iid ? `!${b.merge_request_iid}` : b.branch || b.ref,
      b.sha.slice(0, 8),
      b.author || null,
      when(b.created_at),
      took(b.started_at, b.finished_at),
    ]),
  );
}

export function buildDetails(b: BuildJson): string {
  const head = details([
    ['Build', `${b.repo} #${b.number}${b.parent ? ` (restart of #${b.parent})` : ''}`],
    ['Status', b.status],
    ['Event', b.event],
    ['Ref', b.ref],
    ['Commit', b.sha],
    ['Title', b.title || b.message.split('\n')[0]],
    ['Author', b.author],
    ...(b.merge_request_iid
      ? ([['Merge request', `!${b.merge_request_iid} (${b.source_branch} → ${b.target_branch})`]] as const)
      : []),
    ...(b.error ? ([['Error', b.error]] as const) : []),
    ['Created', when(b.created_at)],
    ['Took', took(b.started_at, b.finished_at)],
    ['Link', b.url],
  ]);
  const rows = b.pipelines.flatMap((p) => [
    [
      `${p.number}`,
      Object.keys(p.axis).length > 0
        ? `${p.name} (${Object.entries(p.axis)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')})`
        : p.name,
      '',
      p.status,
      '',
      took(p.started_at, p.finished_at),
    ],
    ...p.steps.map((s) => [
      '',
      '',
      s.name,
      s.status,
      s.oom_killed ? `${s.exit_code} (out of memory)` : s.exit_code,
      took(s.started_at, s.finished_at),
    ]),
  ]);
  if (rows.length === 0) return head;
  // Why a pipeline waits or failed before running: a sentence, too long for a column.
  const notes = b.pipelines
    .filter((p) => p.error)
    .map((p) => `pipeline ${p.number} ${p.name}: ${p.error}`)
    .join('\n');
  const body = table(['#', 'pipeline', 'step', 'status', 'exit', 'took'], rows);
  return notes === '' ? `${head}\n${body}` : `${head}\n${body}\n${notes}`;
}

export function register(program: Command, io: CliIO): void {
  const build = program.command('build').description('list, inspect, start, restart and cancel builds');

  withFormat(
    build
      .command('ls')
      .description("a repository's builds, newest first")
      .argument('<repo>', 'GROUP/PROJECT'),
  )
    .option('--branch <branch>', 'only builds of this branch')
    .option('--limit <n>', 'at most this many (1 to 100)', '25')
    .option('--before <number>', 'only builds numbered below this one')
    .action(async (repo: string, opts: FormatOpt & { branch?: string; limit: string; before?: string }) => {
      const format = formatOf(opts.format);
      const builds = await apiFromEnv().listBuilds(repo, {
        ...(opts.branch ? { branch: opts.branch } : {}),
        limit: num(opts.limit, '--limit'),
        ...(opts.before === undefined ? {} : { before: num(opts.before, '--before') }),
      });
      print(io, format, builds, buildTable);
    });

  withFormat(
    build
      .command('info')
      .description('a build with its pipelines and steps')
      .argument('<repo>', 'GROUP/PROJECT')
      .argument('<build>', 'build number'),
  ).action(async (repo: string, number: string, opts: FormatOpt) => {
    const format = formatOf(opts.format);
    print(io, format, await apiFromEnv().build(repo, num(number, 'build')), buildDetails);
  });

  build
    .command('logs')
    .description("a step's log")
    .argument('<repo>', 'GROUP/PROJECT')
    .argument('<build>', 'build number')
    .argument('<pipeline>', 'pipeline name or stage number')
    .argument('<step>', 'step name')
    .option('-f, --follow', 'keep printing new lines until the step ends')
    .option(
      '--format <format>',
      'output: table (the log as text) or json (an object with the lines)',
      'table',
    )
    .action(
      async (
        repo: string,
        number: string,
        pipeline: string,
        step: string,
        opts: FormatOpt & { follow?: boolean },
      ) => {
        const format = formatOf(opts.format);
        const body = await apiFromEnv().logs(
          repo,
          num(number, 'build'),
          pipeline,
          step,
          opts.follow ?? false,
        );
        const decoder = new TextDecoder();
        let text = '';
        if (body) {
          for await (const chunk of body) {
            const part = decoder.decode(chunk as Uint8Array, { stream: true });
            if (format === 'json') text += part;
            else io.out(part);
          }
        }
        if (format === 'json') {
          const lines = text.split('\n');
          if (lines.at(-1) === '') lines.pop();
          io.out(`${JSON.stringify({ lines }, null, 2)}\n`);
        }
      },
    );

  withFormat(
    build
      .command('create')
      .description('start a build of a branch (its head, or --commit)')
      .argument('<repo>', 'GROUP/PROJECT')
      .requiredOption('--branch <branch>', 'branch to build')
      .option('--commit <sha>', 'commit to build (default: the head of --branch)')
      .option('--param <KEY=VALUE>', 'a variable for the pipeline (repeatable)', collect),
  ).action(async (repo: string, opts: FormatOpt & { branch: string; commit?: string; param?: string[] }) => {
    const format = formatOf(opts.format);
    const params = paramsOf(opts.param);
    const b = await apiFromEnv().createBuild(repo, {
      branch: opts.branch,
      ...(opts.commit ? { commit: opts.commit } : {}),
      ...(params ? { params } : {}),
    });
    print(
      io,
      format,
      b,
      (x) => `Build #${x.number} of ${x.repo} (${x.sha.slice(0, 8)}) is ${x.status}: ${x.url}\n`,
    );
  });

  withFormat(
    build
      .command('restart')
      .description('run a build again as a new build')
      .argument('<repo>', 'GROUP/PROJECT')
      .argument('<build>', 'build number')
      .option('--failed-only', 'only the pipelines that failed (and those depending on them)')
      .option('--pipeline <name>', 'only this pipeline')
      .option('--param <KEY=VALUE>', 'a variable for the pipeline (repeatable)', collect),
  ).action(
    async (
      repo: string,
      number: string,
      opts: FormatOpt & { failedOnly?: boolean; pipeline?: string; param?: string[] },
    ) => {
      const format = formatOf(opts.format);
      const params = paramsOf(opts.param);
      const b = await apiFromEnv().restartBuild(repo, num(number, 'build'), {
        ...(opts.failedOnly ? { failed_only: true } : {}),
        ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
        ...(params ? { params } : {}),
      });
      print(io, format, b, (x) => `Build #${x.number} of ${x.repo} restarts #${number}: ${x.url}\n`);
    },
  );

  withFormat(
    build
      .command('cancel')
      .description('stop a build')
      .argument('<repo>', 'GROUP/PROJECT')
      .argument('<build>', 'build number'),
  ).action(async (repo: string, number: string, opts: FormatOpt) => {
    const format = formatOf(opts.format);
    const b = await apiFromEnv().cancelBuild(repo, num(number, 'build'));
    print(io, format, b, (x) => `Build #${x.number} of ${x.repo} is ${x.status}\n`);
  });
}
