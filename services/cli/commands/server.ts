/**
 * `hangar server`: Hangar on one machine in one process: a local NATS (unless
 * HANGAR_NATS_URL names one), the coordinator on SQLite in HANGAR_DATA_DIR,
 * the GitLab bot (when DRONE_GITLAB_URL is set) and one runner on the local
 * Docker engine. SIGTERM or SIGINT stops it all
 * (running jobs get HANGAR_RUNNER_GRACE to finish); a second signal stops at once.
 */
import type { Command } from 'commander';
import { logLevel } from '../../runner/config.js';
import { CallAbortedError } from '../../runner/daemon/connection.js';
import { dialable, startServer } from '../../server/server.js';
import { onStopSignals } from '../../server/signals.js';
import { readEnv, setting } from '../../shared/config/read-env.js';
import { createLogger } from '../../shared/log.js';
import type { CliIO } from '../main.js';

export function register(program: Command, io: CliIO): void {
  program
    .command('server')
    .description('run all of Hangar on this machine: coordinator, runner and a local NATS')
    .action(async () => {
      const { level } = readEnv(process.env, { level: setting('HANGAR_LOG_LEVEL', logLevel, 'info') });
      const log = createLogger({ level, name: 'hangar' });
      const startup = new AbortController();
      let server: Awaited<ReturnType<typeof startServer>> | undefined;
      let requestStop: (stopped: Promise<void>) => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        requestStop = resolve;
      });
      const off = onStopSignals({
        graceful: (signal) => {
          log.info({ signal }, 'stopping');
          startup.abort();
          if (server) requestStop(server.stop());
        },
        immediate: (signal) => {
          log.warn({ signal }, 'stopping now');
          if (server) requestStop(server.kill());
        },
      });
      try {
        server = await startServer(process.env, log, { signal: startup.signal });
        const { ctx } = server;
        const grpc = ctx.coordinator ? dialable(ctx.coordinator.grpcAddress) : '';
        const metrics = ctx.coordinator ? dialable(ctx.coordinator.metricsAddress) : '';
        const bot = ctx.bot
          ? `http://${dialable(ctx.bot.httpAddress)}`
          : 'not started (set DRONE_GITLAB_URL)';
        log.info({ grpc, metrics, bot, nats: ctx.natsUrl, data: ctx.cfg.dataDir }, 'hangar server ready');
        io.out(
          `hangar server ready: coordinator ${grpc}, bot ${bot}, metrics http://${metrics}/metrics, NATS ${ctx.natsUrl}, data ${ctx.cfg.dataDir}\n`,
        );
        if (startup.signal.aborted) requestStop(server.stop());
        await stopped;
        io.out('hangar server stopped\n');
      } catch (err) {
        if (!(err instanceof CallAbortedError)) throw err;
        io.err('hangar server: stopped before it was ready\n');
      } finally {
        off();
      }
    });
}
