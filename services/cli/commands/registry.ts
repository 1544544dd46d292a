/**
 * `hangar registry add|ls|rm`: registry credentials for pulling a
 * repository's images, with Drone's flags (`--repository`, `--hostname`,
 * `--username`, `--password`).
 */
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';
import type { RegistryJson } from '../client/api.js';
import { apiFromEnv, formatOf, print, withFormat } from '../client/output.js';
import { table, when } from '../client/table.js';
import type { CliIO } from '../main.js';
import { type RepoOpts, repoOf, withRepository } from './repo-option.js';

function registryTable(list: RegistryJson[]): string {
  if (list.length === 0) return 'No registry credentials.\n';
  return table(
    ['hostname', 'username', 'updated'],
    list.map((r) => [r.address, r.username, when(r.updated_at)]),
  );
}

export function register(program: Command, io: CliIO): void {
  const registry = program.command('registry').description("a repository's registry credentials");

  withFormat(
    withRepository(
      registry.command('add').description('add credentials for a registry host, or replace them'),
    )
      .requiredOption('--hostname <host>', 'registry host, like registry.example.com:5000 or docker.io')
      .requiredOption('--username <name>', 'user name')
      .requiredOption('--password <password>', 'password or access token'),
  ).action(
    async (
      arg: string | undefined,
      opts: RepoOpts & { hostname: string; username: string; password: string },
    ) => {
      const format = formatOf(opts.format);
      const repo = repoOf(arg, opts, 'registry');
      const r = await apiFromEnv().addRegistry(repo, {
        address: opts.hostname,
        username: opts.username,
        password: opts.password,
      });
      print(io, format, r, (x) => `Credentials for ${x.address} of ${repo} are saved\n`);
    },
  );

  withFormat(
    withRepository(
      registry.command('ls').description("a repository's registry credentials, without passwords"),
    ),
  ).action(async (arg: string | undefined, opts: RepoOpts) => {
    const format = formatOf(opts.format);
    print(io, format, await apiFromEnv().listRegistries(repoOf(arg, opts, 'registry')), registryTable);
  });

  withFormat(
    withRepository(
      registry.command('rm').description('remove the credentials of a registry host'),
    ).requiredOption('--hostname <host>', 'registry host'),
  ).action(async (arg: string | undefined, opts: RepoOpts & { hostname: string }) => {
    const format = formatOf(opts.format);
    const repo = repoOf(arg, opts, 'registry');
    if (!opts.hostname) throw new HangarError('name the registry host with --hostname');
    await apiFromEnv().removeRegistry(repo, opts.hostname);
    print(
      io,
      format,
      { removed: opts.hostname, repository: repo },
      (x) => `Credentials for ${x.removed} of ${x.repository} are removed\n`,
    );
  });
}
