import { Command, CommanderError } from 'commander';
import { errorMessage, HangarError } from '../shared/errors.js';
import { VERSION } from '../shared/version.js';

/**
 * A subcommand of `hangar`. Each lives in its own file under commands/ and is
 * loaded only when it is the one being run, so `hangar lint` does not pay for
 * gRPC or Docker start-up.
 */
export interface Subcommand {
  name: string;
  summary: string;
  load: () => Promise<{ register: (program: Command, io: CliIO) => void }>;
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Set by a command to the process exit code it wants. */
  setExitCode: (code: number) => void;
  isTTY: boolean;
}

export const SUBCOMMANDS: Subcommand[] = [
  {
    name: 'lint',
    summary: 'check a pipeline file and report errors with file:line:column',
    load: () => import('./commands/lint.js'),
  },
  {
    name: 'plan',
    summary: 'show which pipelines and steps would run for an event',
    load: () => import('./commands/plan.js'),
  },
  {
    name: 'coordinator',
    summary: 'run the coordinator: builds, scheduling, leases, logs (gRPC :9000)',
    load: () => import('./commands/coordinator.js'),
  },
  {
    name: 'server',
    summary: 'run all of Hangar on this machine (coordinator, runner, NATS)',
    load: () => import('./commands/server.js'),
  },
  {
    name: 'runner',
    summary: 'take jobs from the coordinator and run them on Docker',
    load: () => import('./commands/runner.js'),
  },
  {
    name: 'bot',
    summary: 'the GitLab bot: webhooks, commit statuses, merge-request notes, REST API',
    load: () => import('./commands/bot.js'),
  },
  {
    name: 'repo',
    summary: 'list, switch on, switch off and configure repositories (HANGAR_SERVER, HANGAR_TOKEN)',
    load: () => import('./commands/repo.js'),
  },
  {
    name: 'build',
    summary: 'list, inspect, start, restart and cancel builds; show step logs',
    load: () => import('./commands/build.js'),
  },
  {
    name: 'secret',
    summary: "add, list and remove a repository's secrets",
    load: () => import('./commands/secret.js'),
  },
  {
    name: 'registry',
    summary: "add, list and remove a repository's registry credentials",
    load: () => import('./commands/registry.js'),
  },
  {
    name: 'exec',
    summary: 'run a pipeline file locally on Docker, no server',
    load: () => import('./commands/exec.js'),
  },
];

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const wrapped: CliIO = {
    ...io,
    setExitCode: (c) => {
      exitCode = c;
    },
  };
  const program = new Command('hangar')
    .description('Hangar: self-hosted CI for GitLab that runs .drone.yml pipelines')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  program.addHelpText(
    'after',
    `\nCommands:\n${SUBCOMMANDS.map((s) => `  ${s.name.padEnd(12)}${s.summary}`).join('\n')}\n\nRun 'hangar COMMAND --help' for a command's options.`,
  );
  program.helpCommand(false);

  const wanted = argv.find((a) => !a.startsWith('-'));
  const sub = SUBCOMMANDS.find((s) => s.name === wanted);
  if (sub) {
    const mod = await sub.load();
    mod.register(program, wrapped);
  } else if (wanted !== undefined && wanted !== 'help') {
    io.err(
      `hangar: unknown command '${wanted}'. Known commands: ${SUBCOMMANDS.map((s) => s.name).join(', ')}.\n`,
    );
    return 2;
  }
  if (argv.length === 0 || wanted === 'help') {
    io.out(program.helpInformation());
    io.out(`\nCommands:\n${SUBCOMMANDS.map((s) => `  ${s.name.padEnd(12)}${s.summary}`).join('\n')}\n`);
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof HangarError) {
      io.err(`hangar: ${err.message}\n`);
      return 1;
    }
    io.err(`hangar: ${errorMessage(err)}\n`);
    return 1;
  }
  return exitCode;
}

function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    setExitCode: (c) => {
      process.exitCode = c;
    },
    isTTY: Boolean(process.stdout.isTTY),
  };
}
