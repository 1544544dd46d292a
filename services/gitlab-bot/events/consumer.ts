/**
 * Follows the coordinator's build events with the durable consumer
 * 'gitlab-bot' and turns them into commit statuses and summary notes. An event
 * only says which build changed: the bot reads the build as it is now
 * (GetBuild), so events that arrive late, twice or out of order do no harm.
 * Changes of one build are handled one at a time and coalesced; an event is
 * acknowledged once the statuses it led to are in the durable outbox (and,
 * for the last state of a merge-request build, once the summary note shows it).
 */
import type { Repo, Store } from '../../coordinator/store/index.js';
import { errorMessage } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { EventDelivery } from '../../shared/nats/bus.js';
import type { BuildCalls, BuildMessage } from '../api/build-service.js';
import type { StatusPublisher } from '../statuses/publisher.js';
import type { SummaryUpdater } from '../summary/updater.js';
import { buildRefOf } from './build-ref.js';

export interface EventSource {
  events<T>(
    durable: string,
    opts?: { maxPending?: number; signal?: AbortSignal },
  ): AsyncGenerator<EventDelivery<T>>;
}

export interface ConsumerOptions {
  bus: EventSource;
  store: Store;
  builds: Pick<BuildCalls, 'getBuild'>;
  statuses: StatusPublisher;
  summary: SummaryUpdater;
  log: Logger;
  durable?: string;
}

const FINISHED = new Set(['SUCCESS', 'FAILURE', 'KILLED', 'ERROR', 'SKIPPED']);

interface Work {
  dirty: boolean;
  deliveries: EventDelivery<unknown>[];
  running: boolean;
}

export class BuildEventConsumer {
  private readonly abort = new AbortController();
  private readonly builds = new Map<string, Work>();
  private loop: Promise<void> | undefined;
  private readonly draining = new Set<Promise<void>>();

  constructor(private readonly opts: ConsumerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => {});
    await Promise.allSettled([...this.draining]);
  }

  private async run(): Promise<void> {
    const { log } = this.opts;
    while (!this.abort.signal.aborted) {
      try {
        for await (const d of this.opts.bus.events<unknown>(this.opts.durable ?? 'gitlab-bot', {
          maxPending: 256,
          signal: this.abort.signal,
        })) {
          this.take(d);
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        log.error({ err, reason: errorMessage(err) }, 'build events stopped; following them again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private take(d: EventDelivery<unknown>): void {
    const ref = buildRefOf(d.event);
    if (ref === undefined) {
      d.ack();
      return;
    }
    const key = 'buildId' in ref ? `id:${ref.buildId}` : `${ref.projectId ?? ref.slug}#${ref.number}`;
    let w = this.builds.get(key);
    if (w === undefined) {
      w = { dirty: false, deliveries: [], running: false };
      this.builds.set(key, w);
    }
    w.dirty = true;
    w.deliveries.push(d);
    if (!w.running) {
      const p = this.drain(key, w, ref).finally(() => this.draining.delete(p));
      this.draining.add(p);
    }
  }

  private async drain(key: string, w: Work, ref: NonNullable<ReturnType<typeof buildRefOf>>): Promise<void> {
    w.running = true;
    while (w.dirty) {
      w.dirty = false;
      const covered = w.deliveries.splice(0);
      try {
        await this.refresh(ref);
        for (const d of covered) d.ack();
      } catch (err) {
        this.opts.log.warn(
          { build: key, reason: errorMessage(err) },
          'build event not handled; will be redelivered',
        );
        for (const d of covered) d.nak(2000);
      }
    }
    w.running = false;
    this.builds.delete(key);
  }

  /** Reads the build as it is now and queues what GitLab should show. */
  async refresh(ref: NonNullable<ReturnType<typeof buildRefOf>>): Promise<void> {
    const found = await this.resolve(ref);
    if (found === undefined) return;
    const { repo, number } = found;
    let build: BuildMessage;
    try {
      build = await this.opts.builds.getBuild({ repo: { projectId: repo.projectId }, number });
    } catch (err) {
      if ((err as { kind?: string }).kind === 'not-found') return;
      throw err;
    }
    await this.opts.statuses.publishBuild(build, repo);
    if (build.mergeRequestIid > 0) {
      const shown = this.opts.summary.update(build, repo);
      // The last state of a build must reach the note: the event is acknowledged only once it has.
      if (FINISHED.has(build.status)) await shown;
      else shown.catch(() => {});
    }
  }

  private async resolve(
    ref: NonNullable<ReturnType<typeof buildRefOf>>,
  ): Promise<{ repo: Repo; number: number } | undefined> {
    const { store } = this.opts;
    if ('buildId' in ref) {
      const b = await store.builds.get(ref.buildId);
      if (b === undefined) return undefined;
      const repo = await store.repos.get(b.repoId);
      return repo === undefined ? undefined : { repo, number: b.number };
    }
    const repo =
      ref.projectId !== undefined
        ? await store.repos.byProjectId(ref.projectId)
        : ref.slug !== undefined
          ? await store.repos.bySlug(ref.slug)
          : undefined;
    return repo === undefined ? undefined : { repo, number: ref.number };
  }
}
