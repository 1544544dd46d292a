/**
 * `hangar repo ls|info|enable|disable|update`: repositories on the server
 * (HANGAR_SERVER, HANGAR_TOKEN).
 */
import type { Command } from 'commander';
import { parseDuration } from '../../shared/config/values.js';
import { HangarError } from '../../shared/errors.js';
import type { RepoJson, RepoUpdate } from '../client/api.js';
import { apiFromEnv, formatOf, print, withFormat } from '../client/output.js';
import { details, table, when } from '../client/table.js';
import type { CliIO } from '../main.js';

interface FormatOpt {
  format?: string;
}

function repoTable(repos: RepoJson[]): string {
  if (repos.length === 0) return 'No repositories; switch one on with: hangar repo enable GROUP/PROJECT\n';
  return table(
    ['repository', 'active', 'trusted', 'timeout', 'config', 'builds'],
    repos.map((r) => [r.slug, r.active, r.trusted, `${r.timeout}m`, r.config_path, r.build_counter]),
  );
}

function repoDetails(r: RepoJson): string {
  return details([
    ['Repository', r.slug],
    ['GitLab project', r.project_id],
    ['Web', r.web_url],
    ['Clone', r.clone_url],
    ['Default branch', r.default_branch],
    ['Active', r.active],
    ['Webhook', r.hook_id],
    ['Pipeline file', r.config_path],
    ['Trusted', r.trusted],
    ['Timeout', `${r.timeout}m`],
    ['Concurrency', r.concurrency === 0 ? 'no limit' : r.concurrency],
    ['Cancel previous', r.cancel_previous],
    ['Fork secrets', r.allow_fork_secrets],
    ['Visibility', r.visibility],
    ['Builds', r.build_counter],
    ['Updated', when(r.updated_at)],
  ]);
}

/** '90' (minutes), '90m', '1h30m' → minutes. */
export function timeoutMinutes(text: string): number {
  const t = text.trim();
  const ms = /^\d+$/.test(t) ? Number(t) * 60_000 : parseDuration(t);
  if (ms === undefined || ms <= 0 || ms % 60_000 !== 0) {
    throw new HangarError(`--timeout '${text}' is not a number of minutes; write it like 90, 90m or 1h30m`);
  }
  return ms / 60_000;
}

function count(text: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new HangarError(`--concurrency '${text}' is not a number; write 0 for no limit`);
  }
  return Number(text);
}

export function register(program: Command, io: CliIO): void {
  const repo = program.command('repo').description('list, switch on, switch off and configure repositories');

  withFormat(repo.command('ls').description('list the repositories the server knows'))
    .option('--active', 'only the switched-on ones')
    .action(async (opts: FormatOpt & { active?: boolean }) => {
      const format = formatOf(opts.format);
      print(io, format, await apiFromEnv().listRepos(opts.active ? true : undefined), repoTable);
    });

  withFormat(
    repo
      .command('info')
      .description("a repository's settings")
      .argument('<repo>', 'GROUP/PROJECT or project id'),
  ).action(async (name: string, opts: FormatOpt) => {
    const format = formatOf(opts.format);
    print(io, format, await apiFromEnv().repo(name), repoDetails);
  });

  withFormat(
    repo
      .command('enable')
      .description('switch a repository on: creates the GitLab webhook (the bot user must be Maintainer)')
      .argument('<repo>', 'GROUP/PROJECT or project id'),
  ).action(async (name: string, opts: FormatOpt) => {
    const format = formatOf(opts.format);
    print(
      io,
      format,
      await apiFromEnv().enableRepo(name),
      (r) => `${r.slug} is switched on (webhook ${r.hook_id})\n`,
    );
  });

  withFormat(
    repo
      .command('disable')
      .description('switch a repository off: deletes its GitLab webhook; builds and settings are kept')
      .argument('<repo>', 'GROUP/PROJECT or project id'),
  ).action(async (name: string, opts: FormatOpt) => {
    const format = formatOf(opts.format);
    print(io, format, await apiFromEnv().disableRepo(name), (r) => `${r.slug} is switched off\n`);
  });

  withFormat(
    repo
      .command('update')
      .description("change a repository's settings")
      .argument('<repo>', 'GROUP/PROJECT or project id')
      .option('--trusted', 'allow privileged steps, host volumes and the like')
      .option('--no-trusted', 'take trust away')
      .option('--timeout <duration>', 'build time limit: minutes, or like 1h30m')
      .option('--config-path <path>', 'pipeline file path in the repository (default .drone.yml)')
      .option('--config <path>', 'same as --config-path (the name Drone uses)')
      .option('--concurrency <n>', 'builds that may run at once; 0 for no limit')
      .option('--cancel-previous', 'a new build of a branch or merge request cancels older ones')
      .option('--no-cancel-previous', 'keep older builds running')
      .option('--allow-fork-secrets', 'give secrets to builds of merge requests from forks')
      .option('--no-allow-fork-secrets', 'keep secrets from builds of merge requests from forks'),
  ).action(
    async (
      name: string,
      opts: FormatOpt & {
        trusted?: boolean;
        timeout?: string;
        configPath?: string;
        config?: string;
        concurrency?: string;
        cancelPrevious?: boolean;
        allowForkSecrets?: boolean;
      },
    ) => {
      const format = formatOf(opts.format);
      const configPath = opts.configPath ?? opts.config;
      const update: RepoUpdate = {
        ...(opts.trusted === undefined ? {} : { trusted: opts.trusted }),
        ...(opts.timeout === undefined ? {} : { timeout: timeoutMinutes(opts.timeout) }),
        ...(configPath === undefined ? {} : { config_path: configPath }),
        ...(opts.concurrency === undefined ? {} : { concurrency: count(opts.concurrency) }),
        ...(opts.cancelPrevious === undefined ? {} : { cancel_previous: opts.cancelPrevious }),
        ...(opts.allowForkSecrets === undefined ? {} : { allow_fork_secrets: opts.allowForkSecrets }),
      };
      if (Object.keys(update).length === 0) {
        throw new HangarError(
          'nothing to change; give one of --trusted, --timeout, --config-path, --concurrency, --cancel-previous, --allow-fork-secrets',
        );
      }
      print(io, format, await apiFromEnv().updateRepo(name, update), repoDetails);
    },
  );
}
