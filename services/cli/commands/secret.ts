/**
 * `hangar secret add|ls|rm`: a repository's secrets. Values are sent to the
 * server and never shown again. Drone's flags work (`--repository`,
 * `--name`, `--data`, `--event`, `--image`, `--allow-pull-request`).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';
import type { SecretJson } from '../client/api.js';
import { apiFromEnv, formatOf, print, withFormat } from '../client/output.js';
import { table, when } from '../client/table.js';
import type { CliIO } from '../main.js';
import { type RepoOpts, repoOf, withRepository } from './repo-option.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--data @file` reads the value from a file, as Drone's CLI does. */
function secretValue(data: string): string {
  if (!data.startsWith('@')) return data;
  const path = data.slice(1);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new HangarError(`cannot read the secret value from ${path}: ${(err as Error).message}`);
  }
}

function secretTable(secrets: SecretJson[]): string {
  if (secrets.length === 0) return 'No secrets.\n';
  return table(
    ['name', 'events', 'images', 'updated'],
    secrets.map((s) => [s.name, s.events.join(','), s.images.join(',') || 'any', when(s.updated_at)]),
  );
}

export function register(program: Command, io: CliIO): void {
  const secret = program.command('secret').description("add, list and remove a repository's secrets");

  withFormat(
    withRepository(secret.command('add').description('add a secret, or replace the one with the same name'))
      .requiredOption('--name <name>', 'secret name')
      .requiredOption('--data <value>', 'secret value, or @FILE to read it from a file')
      .option(
        '--event <event>',
        'build event that may use it (repeatable; default all but pull_request)',
        collect,
      )
      .option('--image <image>', 'image that may use it (repeatable; default any)', collect)
      .option('--allow-pull-request', 'let merge-request builds use it'),
  ).action(
    async (
      arg: string | undefined,
      opts: RepoOpts & {
        name: string;
        data: string;
        event?: string[];
        image?: string[];
        allowPullRequest?: boolean;
      },
    ) => {
      const format = formatOf(opts.format);
      const repo = repoOf(arg, opts, 'secret');
      let events = opts.event;
      if (opts.allowPullRequest) {
        events = [
          ...(events ?? ['push', 'tag', 'deployment', 'cron', 'custom', 'promote', 'rollback']),
          'pull_request',
        ];
      }
      const s = await apiFromEnv().addSecret(repo, {
        name: opts.name,
        value: secretValue(opts.data),
        ...(events ? { events: [...new Set(events)] } : {}),
        ...(opts.image ? { images: opts.image } : {}),
      });
      print(io, format, s, (x) => `Secret ${x.name} of ${repo} is saved (events: ${x.events.join(', ')})\n`);
    },
  );

  withFormat(
    withRepository(secret.command('ls').description("a repository's secrets, without values")),
  ).action(async (arg: string | undefined, opts: RepoOpts) => {
    const format = formatOf(opts.format);
    print(io, format, await apiFromEnv().listSecrets(repoOf(arg, opts, 'secret')), secretTable);
  });

  withFormat(
    withRepository(secret.command('rm').description('remove a secret'))
      .argument('[name]', 'secret name')
      .option('--name <name>', 'secret name (instead of the argument)'),
  ).action(
    async (arg: string | undefined, nameArg: string | undefined, opts: RepoOpts & { name?: string }) => {
      const format = formatOf(opts.format);
      // With --repository, a single argument is the name.
      const repo = opts.repository ?? arg;
      const name = opts.name ?? (opts.repository ? arg : nameArg);
      if (!repo || !name)
        throw new HangarError('name the repository and the secret: hangar secret rm GROUP/PROJECT NAME');
      await apiFromEnv().removeSecret(repo, name);
      print(
        io,
        format,
        { removed: name, repository: repo },
        (x) => `Secret ${x.removed} of ${x.repository} is removed\n`,
      );
    },
  );
}
