/** `--format json|table` for the client commands, and their shared set-up. */
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';
import type { CliIO } from '../main.js';
import { HangarApi } from './api.js';
import { readClientConfig } from './config.js';
import { HttpClient } from './http.js';

export type Format = 'table' | 'json';

export function formatOf(value: string | undefined): Format {
  const v = value ?? 'table';
  if (v === 'table' || v === 'text') return 'table';
  if (v === 'json') return 'json';
  throw new HangarError(`--format '${v}' is not known; use --format table or --format json`);
}

/** Adds `--format` to a client subcommand. */
export function withFormat(cmd: Command): Command {
  return cmd.option('--format <format>', 'output: table (for people) or json', 'table');
}

/** Prints `value` as JSON, or through `human` for people. */
export function print<T>(io: CliIO, format: Format, value: T, human: (v: T) => string): void {
  io.out(format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : human(value));
}

/** The API client, from HANGAR_SERVER and HANGAR_TOKEN. */
export function apiFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): HangarApi {
  return new HangarApi(new HttpClient(readClientConfig(env)));
}
