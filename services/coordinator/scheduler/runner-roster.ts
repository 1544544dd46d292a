/**
 * The runners pulling jobs now, as they say on NATS (shared/nats/presence.ts),
 * and what that means for a job that asks for labels:
 * - a present runner of its platform has them: the job is published, on its
 *   label set's subject (or on the pool's shared subject when such a runner
 *   has more labels than are routed, see label-routes.ts);
 * - none has them: the job stays pending, saying so, and the dispatcher is
 *   woken as soon as a runner arrives (or changes its labels).
 * A runner that has not spoken for three presence periods is taken for gone.
 * The dispatcher is woken too when a runner leaves or is taken for gone: a
 * queued job may have lost the last runner that could take it (label-waits.ts).
 * Jobs without labels are published as they always were: any runner of the
 * pool that comes takes them.
 */
import { type Bus, poolFor, type RunnerPresence } from '../../shared/nats/bus.js';
import { describeLabels, type Labels, labelsMatch } from '../../shared/nats/label-routes.js';
import { PRESENCE_EVERY_MS } from '../../shared/nats/presence.js';
import type { CoordinatorContext } from '../context.js';
import type { Job } from '../store/index.js';

/** Silence after which a runner is taken for gone. */
const GONE_AFTER_MS = 3 * PRESENCE_EVERY_MS + 5_000;
/** How long, after asking every runner to speak, the roster waits before judging a job. */
const SETTLE_MS = 500;
/** How often the roster looks for runners that fell silent. */
const SWEEP_EVERY_MS = 1000;

export type RunnerVerdict = { run: true; shared: boolean } | { run: false; reason: string };

type Platform = { os: string; arch: string };

export interface RosterOptions {
  /** Called when a runner left, was taken for gone, or changed its pool or labels. */
  onDeparture?: () => void;
  /** Monotonic clock (ms). */
  now?: () => number;
}

export class RunnerRoster {
  private readonly seen = new Map<string, { presence: RunnerPresence; at: number }>();
  private readonly sub: { unsubscribe(): void };
  private readonly sweep: NodeJS.Timeout;
  private readonly onDeparture: () => void;
  private readonly now: () => number;
  private changes = 0;
  /** Settles once runners had time to answer the roster's first call. */
  readonly settled: Promise<void>;

  constructor(
    bus: Bus,
    private readonly onArrival: () => void,
    opts: RosterOptions = {},
  ) {
    this.onDeparture = opts.onDeparture ?? (() => {});
    this.now = opts.now ?? (() => performance.now());
    this.sub = bus.onRunnerPresence((p) => this.note(p));
    bus.askRunnersPresence();
    this.settled = new Promise((resolve) => setTimeout(resolve, SETTLE_MS).unref());
    this.sweep = setInterval(() => {
      if (bus.isConnected()) this.present();
      else this.close();
    }, SWEEP_EVERY_MS);
    this.sweep.unref();
  }

  /** Goes up by one whenever a runner arrives, leaves or changes its labels. */
  get version(): number {
    return this.changes;
  }

  note(p: RunnerPresence): void {
    if (p.leaving) {
      if (this.seen.delete(p.instance)) this.departed();
      return;
    }
    const known = this.seen.get(p.instance)?.presence;
    this.seen.set(p.instance, { presence: p, at: this.now() });
    const changed =
      known === undefined ||
      known.pool !== p.pool ||
      describeLabels(known.labels) !== describeLabels(p.labels);
    if (!changed) return;
    this.changes++;
    this.onArrival();
    // The labels it had are gone with its change.
    if (known !== undefined) this.onDeparture();
  }

  /** Runners heard from recently; those silent too long are taken for gone. */
  present(): RunnerPresence[] {
    const since = this.now() - GONE_AFTER_MS;
    const out: RunnerPresence[] = [];
    let lapsed = false;
    for (const [id, { presence, at }] of this.seen) {
      if (at < since) {
        this.seen.delete(id);
        lapsed = true;
      } else out.push(presence);
    }
    if (lapsed) this.departed();
    return out;
  }

  private departed(): void {
    this.changes++;
    this.onDeparture();
  }

  /** Whether a job of `platform` asking for `labels` can go to a runner now, and through which subject. */
  verdict(platform: Platform, labels: Labels): RunnerVerdict {
    const present = this.present();
    const pool = poolFor(platform);
    const ofPool = present.filter((r) => r.pool === pool);
    const able = ofPool.filter((r) => labelsMatch(labels, r.labels));
    if (able.length > 0) return { run: true, shared: able.some((r) => !r.routed) };
    const where = `${platform.os}/${platform.arch}`;
    const wanted = describeLabels(labels);
    if (present.length === 0) {
      return { run: false, reason: `waiting for a runner with labels ${wanted}; no runner is connected` };
    }
    if (ofPool.length === 0) {
      return {
        run: false,
        reason: `waiting for a ${where} runner with labels ${wanted}; connected runners: ${present.length}, none on ${where}`,
      };
    }
    const onPool = present.length > ofPool.length ? `, ${ofPool.length} on ${where}` : '';
    return {
      run: false,
      reason: `waiting for a runner with labels ${wanted}; connected runners: ${present.length}${onPool}, none has them`,
    };
  }

  close(): void {
    clearInterval(this.sweep);
    this.sub.unsubscribe();
  }
}

const rosters = new WeakMap<Bus, RunnerRoster>();

/** The roster of the coordinator's NATS connection, started on first use. */
export function rosterFor(ctx: CoordinatorContext): RunnerRoster {
  let roster = rosters.get(ctx.bus);
  if (roster === undefined) {
    roster = new RunnerRoster(ctx.bus, () => ctx.dispatcher.kick(), {
      onDeparture: () => ctx.dispatcher.kick(),
    });
    rosters.set(ctx.bus, roster);
  }
  return roster;
}

/** The roster of the coordinator's NATS connection, if one was started. */
export function startedRoster(ctx: CoordinatorContext): RunnerRoster | undefined {
  return rosters.get(ctx.bus);
}

const hasLabels = (job: Job) => Object.keys(job.labels).length > 0;

/**
 * Whether a job may be published now. A job asking for labels that no
 * present runner of its platform has stays pending with the reason as its
 * error (and an event when the reason changed).
 */
export async function runnerAvailable(ctx: CoordinatorContext, job: Job): Promise<boolean> {
  if (!hasLabels(job)) return true;
  const roster = rosterFor(ctx);
  await roster.settled;
  const v = roster.verdict(job.plan.platform, job.labels);
  if (v.run) return true;
  // Already saying so: no write on every dispatch pass.
  if (job.error === v.reason) return false;
  const waiting = await ctx.store.jobs.wait(job.id, v.reason);
  if (waiting !== undefined) {
    ctx.log.info(
      { job: job.id, build: job.buildId, reason: v.reason },
      'job waits for a runner with its labels',
    );
    await ctx.events.job(waiting);
  }
  return false;
}

/** Whether a job goes on its pool's shared subject (a runner that can run it reads only that one). */
export function sharedQueue(ctx: CoordinatorContext, job: Job): boolean {
  if (!hasLabels(job)) return false;
  const v = rosterFor(ctx).verdict(job.plan.platform, job.labels);
  return v.run && v.shared;
}
