/**
 * `hangar lint [FILE] [--trusted] [--format json]`: checks a pipeline file.
 * Exit 0 when it is valid, 1 when not. Text output is one
 * `FILE:LINE:COL: message` line per problem (warnings marked `warning:`).
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';
import { formatDiagnostic, lintPipeline } from '../../shared/pipeline/compile.js';
import type { Diagnostic } from '../../shared/pipeline/types.js';
import type { CliIO } from '../main.js';

/** Files past this size are not even read (the compiler's own limit is far lower). */
const READ_LIMIT = 64 * 1024 * 1024;

export function register(program: Command, io: CliIO): void {
  program
    .command('lint')
    .description('check a pipeline file and report errors with file:line:column')
    .argument('[file]', 'pipeline file', '.drone.yml')
    .option(
      '--trusted',
      'allow options only trusted repositories may use (privileged, host volumes, ...)',
      false,
    )
    .option('--format <format>', 'output format: text or json', 'text')
    .action((file: string, opts: { trusted: boolean; format: string }) => {
      const format = outputFormat(opts.format);
      const text = readPipelineFile(file);
      const result = lintPipeline(text, { file, trusted: opts.trusted });
      if (format === 'json') {
        io.out(
          `${JSON.stringify({ ok: result.ok, errors: result.errors.map(plain), warnings: result.warnings.map(plain) }, null, 2)}\n`,
        );
      } else {
        const all = [...result.errors, ...result.warnings].sort(
          (a, b) => a.line - b.line || a.column - b.column,
        );
        for (const d of all) io.out(`${formatDiagnostic(file, d)}\n`);
        if (result.ok) {
          const pipelines = result.config?.pipelines ?? [];
          const steps = pipelines.reduce((n, p) => n + p.steps.length, 0);
          io.out(`${file}: valid (${plural(pipelines.length, 'pipeline')}, ${plural(steps, 'step')})\n`);
        }
      }
      io.setExitCode(result.ok ? 0 : 1);
    });
}

function plain(d: Diagnostic): { line: number; column: number; message: string } {
  return { line: d.line, column: d.column, message: d.message };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function outputFormat(value: string): 'text' | 'json' {
  if (value === 'text' || value === 'json') return value;
  throw new HangarError(`--format '${value}' is not known; use --format text or --format json`);
}

/** The file's text, or a HangarError whose message says which file and what to do. */
export function readPipelineFile(file: string): string {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile())
      throw new HangarError(`'${file}' is not a file; give the path of a pipeline file such as .drone.yml`);
    size = stat.size;
  } catch (err) {
    if (err instanceof HangarError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new HangarError(`'${file}' does not exist; give the path of a pipeline file such as .drone.yml`, {
        cause: err,
      });
    }
    throw new HangarError(`cannot read '${file}' (${code ?? 'error'}); check the path and its permissions`, {
      cause: err,
    });
  }
  if (size > READ_LIMIT) {
    throw new HangarError(
      `'${file}' is ${Math.round(size / 1024 / 1024)} MiB, far over the 1 MiB limit for pipeline files; make it smaller`,
    );
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new HangarError(`cannot read '${file}'; check the path and its permissions`, { cause: err });
  }
}
