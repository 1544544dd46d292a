import { onStopSignals } from '../../server/signals.js';
import type { Logger } from '../../shared/log.js';
import type { CliIO } from '../main.js';

/**
 * Holds a long-running command until SIGTERM or SIGINT, then runs `stop`;
 * a second signal exits at once. A stop that fails is logged and makes the
 * exit code 1.
 */
export function untilStopped(log: Logger, io: CliIO, stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = onStopSignals({
      graceful: (signal) => {
        log.info({ signal }, 'stopping');
        stop().then(
          () => {
            off();
            io.setExitCode(0);
            resolve();
          },
          (err: unknown) => {
            log.error({ err }, 'stopping failed');
            off();
            io.setExitCode(1);
            resolve();
          },
        );
      },
      immediate: (signal) => {
        log.warn({ signal }, 'stopping now');
        process.exit(1);
      },
    });
  });
}
