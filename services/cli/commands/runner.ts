/**
 * `hangar runner`: the runner daemon. Connects to the coordinator
 * (DRONE_SERVER, DRONE_SECRET) and NATS (HANGAR_NATS_URL), runs jobs on the
 * Docker engine from DOCKER_HOST. SIGTERM or SIGINT drains (no new jobs,
 * running ones get HANGAR_RUNNER_GRACE to finish); a second signal stops at once.
 */
import type { Command } from 'commander';
import { readRunnerDaemonConfig } from '../../runner/config.js';
import { CallAbortedError } from '../../runner/daemon/connection.js';
import { startRunnerDaemon } from '../../runner/daemon/daemon.js';
import { onStopSignals } from '../../server/signals.js';
import { createLogger } from '../../shared/log.js';
import type { CliIO } from '../main.js';
import { registerRunnerLs } from './runners.js';

export function register(program: Command, io: CliIO): void {
  const runner = program
    .command('runner')
    .description(
      'take jobs from the coordinator and run them on Docker (DRONE_SERVER, DRONE_SECRET, HANGAR_NATS_URL)',
    )
    .action(async () => {
      const cfg = readRunnerDaemonConfig(process.env);
      const log = createLogger({ level: cfg.logLevel, name: 'runner' });
      const startup = new AbortController();
      let daemon: Awaited<ReturnType<typeof startRunnerDaemon>> | undefined;
      const off = onStopSignals({
        graceful: (signal) => {
          log.info({ signal }, 'stopping');
          if (daemon) void daemon.drain();
          else startup.abort();
        },
        immediate: (signal) => {
          log.warn({ signal }, 'stopping now');
          if (daemon) void daemon.stop();
          else startup.abort();
        },
      });
      try {
        daemon = await startRunnerDaemon(cfg, log, { signal: startup.signal });
        await daemon.done;
        io.setExitCode(0);
      } catch (err) {
        if (!(err instanceof CallAbortedError)) throw err;
        io.err('hangar runner: stopped before it was connected\n');
      } finally {
        off();
      }
    });
  registerRunnerLs(runner, io);
}
