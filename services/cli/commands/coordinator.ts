/**
 * `hangar coordinator`: the coordinator alone (gRPC on HANGAR_GRPC_ADDR,
 * /metrics and /healthz on HANGAR_METRICS_ADDR), with SQLite or PostgreSQL
 * and NATS from the environment. SIGTERM or SIGINT stops it gracefully; a
 * second signal exits at once.
 */
import type { Command } from 'commander';
import { loadCoordinatorConfig } from '../../coordinator/config.js';
import { startCoordinator } from '../../coordinator/coordinator.js';
import { createLogger } from '../../shared/log.js';
import type { CliIO } from '../main.js';
import { untilStopped } from './until-stopped.js';

export function register(program: Command, io: CliIO): void {
  program
    .command('coordinator')
    .description(
      'run the coordinator: stores builds, schedules jobs to runners, serves gRPC (HANGAR_GRPC_ADDR, DRONE_SECRET, HANGAR_NATS_URL)',
    )
    .action(async () => {
      const cfg = loadCoordinatorConfig(process.env);
      const log = createLogger({ level: process.env.HANGAR_LOG_LEVEL ?? 'info', name: 'coordinator' });
      const coordinator = await startCoordinator(cfg, log);
      await untilStopped(log, io, () => coordinator.stop());
    });
}
