/** The repository of `hangar secret` and `hangar registry`: an argument, or Drone's `--repository`. */
import type { Command } from 'commander';
import { HangarError } from '../../shared/errors.js';

export interface RepoOpts {
  repository?: string;
  format?: string;
}

/** Adds the `[repo]` argument and `--repository` to a subcommand. */
export function withRepository(cmd: Command): Command {
  return cmd
    .argument('[repo]', 'GROUP/PROJECT')
    .option('--repository <repo>', 'GROUP/PROJECT (instead of the argument)');
}

/** The repository from the argument or `--repository`; `command` names the command in the message. */
export function repoOf(arg: string | undefined, opts: RepoOpts, command: string): string {
  const repo = arg ?? opts.repository;
  if (!repo)
    throw new HangarError(
      `name the repository: hangar ${command} … GROUP/PROJECT, or --repository GROUP/PROJECT`,
    );
  return repo;
}
