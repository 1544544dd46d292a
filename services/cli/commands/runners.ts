/**
 * `hangar runner ls`: the runners the coordinator knows, through the server's
 * REST API. Registered under the `runner` command, whose own action is the
 * runner daemon.
 */
import type { Command } from 'commander';
import type { RunnerJson } from '../client/api.js';
import { apiFromEnv, formatOf, print, withFormat } from '../client/output.js';
import { table, when } from '../client/table.js';
import type { CliIO } from '../main.js';

function runnerTable(list: RunnerJson[]): string {
  if (list.length === 0) return 'No runners.\n';
  return table(
    ['name', 'platform', 'running', 'capacity', 'version', 'labels', 'last seen'],
    list.map((r) => [
      r.name,
      r.platform,
      r.running,
      r.capacity,
      r.version || null,
      Object.entries(r.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || null,
      when(r.last_seen_at),
    ]),
  );
}

export function registerRunnerLs(runner: Command, io: CliIO): void {
  withFormat(
    runner.command('ls').description('list the runners the coordinator knows (HANGAR_SERVER, HANGAR_TOKEN)'),
  ).action(async (opts: { format?: string }) => {
    const format = formatOf(opts.format);
    print(io, format, await apiFromEnv().listRunners(), runnerTable);
  });
}
