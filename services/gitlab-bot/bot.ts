/**
 * The GitLab bot, wired: HTTP (webhooks, REST API, /healthz, /metrics), the
 * webhook work queue, the build-event consumer, the commit-status outbox and
 * the merge-request summary. `startBot` starts them in that order's reverse
 * and `stop` ends them so nothing accepted is lost: queued deliveries and
 * statuses stay in the database for the next start.
 */
import { createServer, type Server } from 'node:http';
import type Router from '@koa/router';
import type { Store } from '../coordinator/store/index.js';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/log.js';
import { Bus } from '../shared/nats/bus.js';
import { type BuildCalls, createBuildCalls } from './api/build-service.js';
import { apiDepsOf, apiRouter } from './api/router.js';
import { noteHandler } from './commands/dispatch.js';
import { type BotConfig, splitHostPort } from './config.js';
import { BuildEventConsumer, type EventSource } from './events/consumer.js';
import { createGitLabApi, type GitLabApi } from './gitlab/index.js';
import { createApp } from './http/app.js';
import { Metrics } from './http/metrics.js';
import { OutboxWorker } from './statuses/outbox-worker.js';
import { StatusPublisher } from './statuses/publisher.js';
import { SummaryUpdater } from './summary/updater.js';
import type { WebhookDeps } from './webhooks/deps.js';
import { WebhookQueue } from './webhooks/queue.js';
import { hookRouter } from './webhooks/route.js';
import { DEFAULT_WORK, type WorkOptions, workOn } from './webhooks/work.js';

export interface BotDeps {
  /** The coordinator's store (shared database). */
  store: Store;
  /** Made from the configuration when absent. */
  gitlab?: GitLabApi;
  builds?: BuildCalls;
  events?: EventSource;
}

/** Timings tests shorten. */
export interface BotTuning {
  outboxBaseDelayMs?: number;
  outboxMaxDelayMs?: number;
  work?: Partial<WorkOptions>;
  workConcurrency?: number;
  durableConsumer?: string;
  /** Extra routers, mounted after /hook and /api. */
  routers?: (services: BotServices) => Router[];
}

/** The parts of a running bot other modules (comment commands, the REST API) use. */
export interface BotServices extends WebhookDeps {
  cfg: BotConfig;
  log: Logger;
}

export interface BotHandle {
  /** host:port the HTTP server is bound to. */
  httpAddress: string;
  services: BotServices;
  queue: WebhookQueue;
  outbox: OutboxWorker;
  summary: SummaryUpdater;
  stop(): Promise<void>;
}

const DAY = 24 * 3600_000;
const DELIVERY_KEEP_MS = 7 * DAY;
const STATUS_KEY_KEEP_MS = 30 * DAY;

export async function startBot(
  cfg: BotConfig,
  deps: BotDeps,
  log: Logger,
  tuning: BotTuning = {},
): Promise<BotHandle> {
  const owned: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const fn of owned.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ reason: errorMessage(err) }, 'bot stop step failed');
      }
    }
  };
  try {
    const { store } = deps;
    const gitlab =
      deps.gitlab ??
      createGitLabApi({
        url: cfg.gitlabUrl,
        token: cfg.gitlabToken,
        skipVerify: cfg.skipVerify,
        timeoutMs: cfg.gitlabTimeoutMs,
      });
    if (deps.gitlab === undefined) owned.push(() => gitlab.close());
    const builds =
      deps.builds ??
      createBuildCalls({
        address: cfg.coordinatorAddr,
        ...(cfg.droneSecret === undefined ? {} : { secret: cfg.droneSecret }),
        deadlineMs: cfg.grpcDeadlineMs,
      });
    if (deps.builds === undefined) owned.push(() => builds.close());
    let events = deps.events;
    if (events === undefined) {
      const bus = await Bus.connect({
        url: cfg.natsUrl,
        name: 'hangar-bot',
        log: log.child({ component: 'nats' }),
      });
      owned.push(() => bus.close());
      events = bus;
    }

    const metrics = new Metrics();
    const outbox = new OutboxWorker({
      outbox: store.outbox,
      gitlab,
      log: log.child({ component: 'statuses' }),
      ...(tuning.outboxBaseDelayMs === undefined ? {} : { baseDelayMs: tuning.outboxBaseDelayMs }),
      ...(tuning.outboxMaxDelayMs === undefined ? {} : { maxDelayMs: tuning.outboxMaxDelayMs }),
      posted: metrics.counter('hangar_bot_statuses_posted_total', 'Commit statuses GitLab took, by state'),
    });
    metrics.gauge('hangar_bot_status_outbox', 'Commit statuses waiting to be posted', () =>
      store.outbox.size(),
    );
    const statuses = new StatusPublisher({
      store,
      worker: outbox,
      log: log.child({ component: 'statuses' }),
      prefix: cfg.statusPrefix,
      publicUrl: cfg.publicUrl,
    });
    const summary = new SummaryUpdater({
      store,
      gitlab,
      builds,
      log: log.child({ component: 'summary' }),
      publicUrl: cfg.publicUrl,
      intervalMs: cfg.summaryIntervalMs,
    });
    const services: BotServices = { cfg, log, store, gitlab, builds, statuses };
    services.onNote = noteHandler(services);

    const work = { ...DEFAULT_WORK, ...tuning.work };
    const hookLog = log.child({ component: 'webhooks' });
    const queue = new WebhookQueue({
      limit: cfg.webhookQueueLimit,
      concurrency: tuning.workConcurrency ?? 4,
      log: hookLog,
      load: async (limit, afterId) =>
        (await store.deliveries.queued(limit, afterId)).map((d) => ({ id: d.id, projectId: d.projectId })),
      work: async (id) => {
        const d = await store.deliveries.get(id);
        if (d === undefined || d.state !== 'queued') return { kind: 'done', summary: 'gone' };
        const dlog = hookLog.child({ delivery: id, event: d.event, project: d.projectId });
        const outcome = await workOn(services, d, dlog, work);
        if (outcome.kind === 'done') dlog.info({ outcome: outcome.summary }, 'webhook handled');
        return outcome;
      },
    });
    metrics.gauge(
      'hangar_bot_webhook_queue',
      'Webhook deliveries accepted and not yet handled',
      () => queue.size,
    );

    const consumer = new BuildEventConsumer({
      bus: events,
      store,
      builds,
      statuses,
      summary,
      log: log.child({ component: 'events' }),
      ...(tuning.durableConsumer === undefined ? {} : { durable: tuning.durableConsumer }),
    });

    const routers = [
      hookRouter({ store, queue, maxBytes: cfg.webhookMaxBytes, log: hookLog, metrics }),
      apiRouter(apiDepsOf(services)),
      ...(tuning.routers?.(services) ?? []),
    ];
    const app = createApp({
      routers,
      metrics,
      log,
      health: {
        database: async () => {
          await store.outbox.size();
          return null;
        },
      },
    });
    const server = createServer(app.callback());
    const [host, port] = splitHostPort(cfg.httpAddr);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    let serverOpen = true;
    const stopServer = async () => {
      if (!serverOpen) return;
      serverOpen = false;
      await closeServer(server);
    };
    owned.push(stopServer);
    const addr = server.address();
    const httpAddress =
      typeof addr === 'object' && addr !== null
        ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`
        : cfg.httpAddr;

    outbox.start();
    owned.push(() => outbox.stop());
    consumer.start();
    owned.push(() => consumer.stop());
    owned.push(() => summary.stop());
    await queue.start();
    owned.push(() => queue.stop());

    const prune = async () => {
      const now = Date.now();
      await store.deliveries.prune(now - DELIVERY_KEEP_MS);
      await store.outbox.prune(now - STATUS_KEY_KEEP_MS);
    };
    void prune().catch((err) => log.warn({ reason: errorMessage(err) }, 'pruning old deliveries failed'));
    const pruner = setInterval(() => void prune().catch(() => {}), 3600_000);
    pruner.unref();
    owned.push(() => clearInterval(pruner));
    // Stopped first: no new deliveries while the rest winds down.
    owned.push(stopServer);

    log.info(
      { http: httpAddress, gitlab: cfg.gitlabUrl, coordinator: cfg.coordinatorAddr },
      'gitlab bot ready',
    );
    return { httpAddress, services, queue, outbox, summary, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
