/**
 * Every build, job and step state change becomes an event on the NATS events
 * stream (subjects hangar.events.build / .job / .step), which the bot follows
 * with a durable consumer. Each event names its build (buildId, buildNumber,
 * repoSlug, projectId) and carries a `version` that only grows, also across
 * coordinator restarts, so a consumer that sees events late, twice or out of
 * order keeps the newest.
 *
 * Publishing never blocks a state change: events go to a bounded in-memory
 * queue drained in order. When publishing falls behind, an event that a newer
 * event of the same build, job or step supersedes is not sent (consumers keep
 * the newest anyway). When NATS is away the queue waits and retries; at its
 * limit, superseded events are dropped first.
 *
 * Step events come from the runner's step reports. When a job ends (or goes
 * back to the queue) its event carries all its steps instead of one event per
 * step.
 */

import type { Logger } from '../shared/log.js';
import type { BuildRef, CoordinatorEvent } from './event-messages.js';
import type { Build, Job, Repo, Step, Store } from './store/index.js';

export type {
  BuildEventMessage,
  BuildRef,
  CoordinatorEvent,
  JobEventMessage,
  StepEventMessage,
  StepSummary,
} from './event-messages.js';

export interface EventSink {
  publishEvent(kind: string, event: unknown, id: string): Promise<void>;
}

interface Queued {
  key: string;
  event: CoordinatorEvent;
  /** Order of pushing; the newest of a key is the one `latest` names. */
  seq: number;
}

/** A step as a job event carries it, once the job has ended. */
const IN_FLIGHT = 64;
const REF_CACHE = 4096;

export class EventPublisher {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private lastVersion = 0;
  private retryMs = 0;
  /** The first `sending` events of the queue are being published now. */
  private sending = 0;
  private pushed = 0;
  /** Key → seq of its newest queued event; older ones of the key are superseded. */
  private readonly latest = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly refs = new Map<number, BuildRef>();
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly sink: EventSink,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly limit = 10_000,
  ) {}

  /** Events waiting to be published. */
  get pending(): number {
    return this.queue.length;
  }

  /** Microseconds since the epoch, made strictly increasing. */
  private nextVersion(): number {
    const v = Math.max(this.lastVersion + 1, Date.now() * 1000);
    this.lastVersion = v;
    return v;
  }

  remember(build: Build, repo: Repo): BuildRef {
    const ref: BuildRef = {
      buildId: build.id,
      buildNumber: build.number,
      repoId: repo.id,
      repoSlug: repo.slug,
      projectId: repo.projectId,
    };
    this.refs.delete(build.id);
    this.refs.set(build.id, ref);
    if (this.refs.size > REF_CACHE) {
      const oldest = this.refs.keys().next().value;
      if (oldest !== undefined) this.refs.delete(oldest);
    }
    return ref;
  }

  private async ref(buildId: number): Promise<BuildRef | undefined> {
    const known = this.refs.get(buildId);
    if (known !== undefined) return known;
    const build = await this.store.builds.get(buildId);
    if (build === undefined) return undefined;
    const repo = await this.store.repos.get(build.repoId);
    return repo === undefined ? undefined : this.remember(build, repo);
  }

  async build(build: Build, repo?: Repo): Promise<void> {
    const ref = repo === undefined ? await this.ref(build.id) : this.remember(build, repo);
    if (ref === undefined) return;
    this.push(`build:${build.id}`, {
      ...ref,
      kind: 'build',
      version: this.nextVersion(),
      status: build.status,
      error: build.error,
      event: build.event,
      ref: build.ref,
      branch: build.branch,
      sha: build.sha,
      ...(build.parentId === undefined ? {} : { parentId: build.parentId }),
      ...(build.mergeRequestIid === undefined ? {} : { mergeRequestIid: build.mergeRequestIid }),
      createdAt: build.createdAt,
      ...(build.startedAt === undefined ? {} : { startedAt: build.startedAt }),
      ...(build.finishedAt === undefined ? {} : { finishedAt: build.finishedAt }),
    });
  }

  /** A job's state; with `steps`, the job ended or went back, and the event carries its steps. */
  async job(job: Job, steps?: readonly Step[]): Promise<void> {
    const ref = await this.ref(job.buildId);
    if (ref === undefined) return;
    this.push(`job:${job.id}`, {
      ...ref,
      kind: 'job',
      version: this.nextVersion(),
      jobId: job.id,
      jobNumber: job.number,
      name: job.name,
      axis: job.axis,
      status: job.status,
      attempt: job.attempt,
      ...(job.runnerId === undefined ? {} : { runnerId: job.runnerId }),
      error: job.error,
      ...(job.startedAt === undefined ? {} : { startedAt: job.startedAt }),
      ...(job.finishedAt === undefined ? {} : { finishedAt: job.finishedAt }),
      ...(steps === undefined
        ? {}
        : {
            steps: steps.map((st) => ({
              stepId: st.id,
              stepNumber: st.number,
              name: st.name,
              status: st.status,
              exitCode: st.exitCode,
              oomKilled: st.oomKilled,
              error: st.error,
            })),
          }),
    });
  }

  async steps(job: Pick<Job, 'id' | 'number' | 'buildId'>, steps: readonly Step[]): Promise<void> {
    const ref = await this.ref(job.buildId);
    if (ref === undefined) return;
    for (const step of steps) {
      this.push(`step:${step.id}`, {
        ...ref,
        kind: 'step',
        version: this.nextVersion(),
        jobId: job.id,
        jobNumber: job.number,
        stepId: step.id,
        stepNumber: step.number,
        name: step.name,
        status: step.status,
        exitCode: step.exitCode,
        oomKilled: step.oomKilled,
        error: step.error,
        ...(step.startedAt === undefined ? {} : { startedAt: step.startedAt }),
        ...(step.finishedAt === undefined ? {} : { finishedAt: step.finishedAt }),
      });
    }
  }

  private push(key: string, event: CoordinatorEvent): void {
    if (this.closed) return;
    const seq = ++this.pushed;
    this.queue.push({ key, event, seq });
    this.latest.set(key, seq);
    if (this.queue.length > this.limit) this.compact();
    if (this.retryTimer === undefined) this.startDrain();
  }

  private startDrain(): void {
    if (this.draining !== undefined || this.closed) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length === 0) {
        for (const done of this.idle) done();
        return;
      }
      if (this.closed) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.startDrain();
      }, this.retryMs);
      this.retryTimer.unref();
    });
  }

  /** Drops events superseded by a newer one of the same key; then, if still over, the oldest. */
  private compact(): void {
    const newest = new Map<string, number>();
    for (const [i, q] of this.queue.entries()) newest.set(q.key, i);
    const before = this.queue.length;
    // Events being sent stay where they are: drain() removes them by position.
    this.queue = this.queue.filter((q, i) => i < this.sending || newest.get(q.key) === i);
    let dropped = before - this.queue.length;
    if (this.queue.length > this.limit) {
      const over = Math.min(this.queue.length - this.limit, this.queue.length - this.sending);
      dropped += over;
      this.queue.splice(this.sending, over);
    }
    this.log.warn({ dropped, limit: this.limit }, 'event queue full; dropped superseded events');
  }

  /**
   * Removes, near the head of the queue, events a newer event of the same
   * key supersedes: when publishing falls behind, consumers get the newest
   * state sooner and NATS less work.
   */
  private pruneHead(): void {
    const window = Math.min(this.queue.length, IN_FLIGHT * 4);
    let w = 0;
    for (let r = 0; r < window; r++) {
      const q = this.queue[r] as Queued;
      if (this.latest.get(q.key) === q.seq) this.queue[w++] = q;
    }
    if (w < window) this.queue.splice(w, window - w);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      this.pruneHead();
      const batch = this.queue.slice(0, IN_FLIGHT);
      this.sending = batch.length;
      const results = await Promise.allSettled(
        batch.map((q) => this.sink.publishEvent(q.event.kind, q.event, `${q.key}:${q.event.version}`)),
      );
      this.sending = 0;
      const firstFailed = results.findIndex((r) => r.status === 'rejected');
      const sent = firstFailed === -1 ? batch : batch.slice(0, firstFailed);
      for (const q of sent) if (this.latest.get(q.key) === q.seq) this.latest.delete(q.key);
      if (firstFailed === -1) {
        this.queue.splice(0, batch.length);
        this.retryMs = 0;
        continue;
      }
      // Keep order: everything from the first failure on stays queued (resends are deduplicated).
      this.queue.splice(0, firstFailed);
      const failure = results[firstFailed] as PromiseRejectedResult;
      this.retryMs = Math.min(Math.max(this.retryMs * 2, 250), 5000);
      this.log.warn(
        { err: failure.reason, waiting: this.queue.length, retryMs: this.retryMs },
        'publishing events failed; retrying',
      );
      return;
    }
  }

  /** Waits until the queue is empty or `timeoutMs` passed; then publishes nothing more. */
  async close(timeoutMs: number): Promise<void> {
    if (this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        this.idle.add(() => {
          clearTimeout(t);
          resolve();
        });
        if (this.retryTimer !== undefined) {
          clearTimeout(this.retryTimer);
          this.retryTimer = undefined;
        }
        this.startDrain();
      });
    }
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    if (this.queue.length > 0) {
      this.log.warn({ lost: this.queue.length }, 'stopping with events not published');
    }
  }
}
