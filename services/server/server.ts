/**
 * `hangar server`: all of Hangar in one process for one machine. The parts
 * are a list of components started in order and stopped in reverse order;
 * each one may use what the earlier ones made (addresses, secrets). The
 * runner stops first (draining its jobs), NATS last.
 */
import { loadCoordinatorConfig } from '../coordinator/config.js';
import { type CoordinatorHandle, startCoordinator } from '../coordinator/coordinator.js';
import type { BotHandle } from '../gitlab-bot/bot.js';
import { readRunnerDaemonConfig } from '../runner/config.js';
import { type RunnerDaemon, startRunnerDaemon } from '../runner/daemon/daemon.js';
import type { Env } from '../shared/config/read-env.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { readServerConfig, type ServerConfig } from './config.js';
import { ensureDataDir, keptSecret } from './data-dir.js';
import { startLocalNats } from './nats-child.js';

/** What the components started so far have made, for the ones after them. */
export interface ServerContext {
  env: Env;
  cfg: ServerConfig;
  log: Logger;
  signal: AbortSignal;
  droneSecret: string;
  natsUrl?: string;
  coordinator?: CoordinatorHandle;
  bot?: BotHandle;
  runner?: RunnerDaemon;
}

export interface Started {
  /** Graceful stop (a runner drains within its grace period). */
  stop(): Promise<void>;
  /** Immediate stop; defaults to `stop`. */
  kill?(): Promise<void>;
}

export interface Component {
  name: string;
  start(ctx: ServerContext): Promise<Started>;
}

export const COMPONENTS: readonly Component[] = [
  {
    name: 'nats',
    async start(ctx) {
      if (ctx.cfg.natsUrl !== undefined) {
        ctx.natsUrl = ctx.cfg.natsUrl;
        return { stop: async () => {} };
      }
      const nats = await startLocalNats({
        dataDir: ctx.cfg.dataDir,
        bin: ctx.cfg.natsBin,
        log: ctx.log.child({ component: 'nats' }),
        ...(ctx.cfg.natsPort === undefined ? {} : { port: ctx.cfg.natsPort }),
      });
      ctx.natsUrl = nats.url;
      return { stop: () => nats.stop() };
    },
  },
  {
    name: 'coordinator',
    async start(ctx) {
      const { env, cfg } = ctx;
      const hasKey = env.HANGAR_SECRET_KEY || env.DRONE_DATABASE_SECRET;
      const cc = loadCoordinatorConfig({
        ...env,
        HANGAR_DATABASE_PATH: env.HANGAR_DATABASE_PATH || `${cfg.dataDir}/hangar.db`,
        HANGAR_NATS_URL: ctx.natsUrl,
        DRONE_SECRET: ctx.droneSecret,
        ...(hasKey ? {} : { HANGAR_SECRET_KEY: keptSecret(cfg.dataDir, 'secret-key') }),
      });
      const coordinator = await startCoordinator(cc, ctx.log.child({ component: 'coordinator' }));
      ctx.coordinator = coordinator;
      return { stop: () => coordinator.stop() };
    },
  },
  {
    // The GitLab bot, after the coordinator it talks to and before the runner,
    // so it still posts statuses while the runner drains; on when DRONE_GITLAB_URL is set.
    name: 'bot',
    async start(ctx) {
      const coordinator = ctx.coordinator;
      if (!ctx.env.DRONE_GITLAB_URL || coordinator === undefined) {
        ctx.log.info(
          'gitlab bot off: set DRONE_GITLAB_URL and HANGAR_GITLAB_TOKEN to receive GitLab webhooks',
        );
        return { stop: async () => {} };
      }
      // Loaded only when wanted: a server without GitLab does not pay for it.
      const { loadBotConfig } = await import('../gitlab-bot/config.js');
      const { startBot } = await import('../gitlab-bot/bot.js');
      const cfg = loadBotConfig({
        ...ctx.env,
        DRONE_SERVER: dialable(coordinator.grpcAddress),
        DRONE_SECRET: ctx.droneSecret,
        HANGAR_NATS_URL: ctx.natsUrl,
      });
      const bot = await startBot(cfg, { store: coordinator.store }, ctx.log.child({ component: 'bot' }));
      ctx.bot = bot;
      return { stop: () => bot.stop() };
    },
  },
  {
    name: 'runner',
    async start(ctx) {
      const grpc = ctx.coordinator?.grpcAddress ?? '127.0.0.1:9000';
      const rc = readRunnerDaemonConfig({
        ...ctx.env,
        DRONE_SERVER: dialable(grpc),
        DRONE_SECRET: ctx.droneSecret,
        HANGAR_NATS_URL: ctx.natsUrl,
      });
      const runner = await startRunnerDaemon(rc, ctx.log.child({ component: 'runner' }), {
        signal: ctx.signal,
      });
      ctx.runner = runner;
      return { stop: () => runner.drain(), kill: () => runner.stop() };
    },
  },
];

/** A listening address as a client dials it: 0.0.0.0 and :: become loopback. */
export function dialable(address: string): string {
  return address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}

export interface ServerHandle {
  ctx: ServerContext;
  /** Stops every component, last started first. */
  stop(): Promise<void>;
  /** Stops without waiting for running jobs. */
  kill(): Promise<void>;
}

export async function startServer(
  env: Env,
  log: Logger,
  opts: { signal?: AbortSignal; components?: readonly Component[] } = {},
): Promise<ServerHandle> {
  const cfg = readServerConfig(env);
  ensureDataDir(cfg.dataDir);
  const ctx: ServerContext = {
    env,
    cfg,
    log,
    signal: opts.signal ?? new AbortController().signal,
    droneSecret: env.DRONE_SECRET || keptSecret(cfg.dataDir, 'drone-secret'),
  };
  const started: { name: string; handle: Started }[] = [];
  const stopAll = async () => {
    for (const { name, handle } of [...started].reverse()) {
      try {
        await handle.stop();
        log.info({ component: name }, 'stopped');
      } catch (err) {
        log.error({ err, component: name, reason: errorMessage(err) }, 'stop failed');
      }
    }
  };
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopAll();
    return stopping;
  };
  const kill = async () => {
    await Promise.all(started.map(({ handle }) => handle.kill?.()));
    await stop();
  };
  for (const c of opts.components ?? COMPONENTS) {
    try {
      started.push({ name: c.name, handle: await c.start(ctx) });
    } catch (err) {
      await kill();
      throw err;
    }
  }
  return { ctx, stop, kill };
}
