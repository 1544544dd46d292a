/**
 * Which steps someone is tailing, across coordinator replicas. A viewer that
 * follows a step announces it on NATS (hangar.logs.watch) when it starts and
 * again every RENEW_MS; every coordinator remembers the announcement for
 * TTL_MS. Lines of a step nobody watches are not encoded and published at
 * all, which is most steps. A viewer misses nothing by this: it reads the
 * store first, and lines stored before its announcement arrives show up as a
 * gap in the live sequence (or as silence), which sends it back to the store.
 */
import type { Bus } from '../../shared/nats/bus.js';

/** The live-log subject suffix that carries announcements (step ids are numbers, so it cannot clash). */
const WATCH = 'watch';
export const RENEW_MS = 5_000;
const TTL_MS = 3 * RENEW_MS;
/** Past this many remembered steps, lapsed entries are swept on the next announcement. */
const SWEEP_AT = 1_024;

type ViewerBus = Pick<Bus, 'publishLogs' | 'onLogs'>;

export class Viewers {
  private readonly until = new Map<number, number>();
  /** Announcements cannot be heard: every step counts as watched. */
  private closed = false;

  constructor(
    bus: ViewerBus,
    private readonly now: () => number = Date.now,
  ) {
    try {
      bus.onLogs(WATCH, (m) => this.seen(m));
    } catch {
      this.closed = true;
    }
  }

  /** Whether a viewer announced `stepId` within the last TTL_MS. */
  watched(stepId: number): boolean {
    if (this.closed) return true;
    const until = this.until.get(stepId);
    if (until === undefined) return false;
    if (until >= this.now()) return true;
    this.until.delete(stepId);
    return false;
  }

  private seen(msg: unknown): void {
    const step = (msg as { step?: unknown } | null)?.step;
    if (typeof step !== 'number' || !Number.isSafeInteger(step)) return;
    const now = this.now();
    if (this.until.size >= SWEEP_AT) {
      for (const [id, until] of this.until) if (until < now) this.until.delete(id);
    }
    this.until.set(step, now + TTL_MS);
  }
}

/** Tells every coordinator that someone follows `stepId` now. */
export function announceViewer(bus: Pick<Bus, 'publishLogs'>, stepId: number): void {
  try {
    bus.publishLogs(WATCH, { step: stepId });
  } catch {
    // The connection is closed; the viewer polls the store meanwhile.
  }
}
