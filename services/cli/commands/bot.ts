/**
 * `hangar bot`: the GitLab bot on its own (webhooks, commit statuses,
 * merge-request notes, comment commands, REST API). It shares the
 * coordinator's database (DATABASE_URL / DRONE_DATABASE_* or
 * HANGAR_DATABASE_PATH, HANGAR_SECRET_KEY) and talks to the coordinator at
 * DRONE_SERVER. SIGTERM or SIGINT stops it; accepted deliveries and statuses
 * not yet posted stay in the database for the next start.
 */
import type { Command } from 'commander';
import { loadCoordinatorConfig } from '../../coordinator/config.js';
import { openStore } from '../../coordinator/store/index.js';
import { startBot } from '../../gitlab-bot/bot.js';
import { loadBotConfig } from '../../gitlab-bot/config.js';
import { createLogger } from '../../shared/log.js';
import type { CliIO } from '../main.js';
import { untilStopped } from './until-stopped.js';

export function register(program: Command, io: CliIO): void {
  program
    .command('bot')
    .description(
      'receive GitLab webhooks, post commit statuses and merge-request notes, serve the REST API (DRONE_GITLAB_URL, HANGAR_GITLAB_TOKEN, DRONE_SERVER)',
    )
    .action(async () => {
      const cfg = loadBotConfig(process.env);
      const db = loadCoordinatorConfig(process.env);
      const log = createLogger({ level: process.env.HANGAR_LOG_LEVEL ?? 'info', name: 'bot' });
      const store = await openStore({
        database: db.database,
        ...(db.secretKey === undefined ? {} : { secretKey: db.secretKey }),
        log,
      });
      const bot = await startBot(cfg, { store }, log).catch(async (err) => {
        await store.close();
        throw err;
      });
      await untilStopped(log, io, () => bot.stop().then(() => store.close()));
    });
}
