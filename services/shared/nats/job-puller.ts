/**
 * A runner's reader of the job work queue. It reads one durable consumer per
 * subject it can serve: its pool's subject (jobs without labels, and jobs
 * published before label routing) and, for a runner with labels, one per
 * subset of its labels. Runners serving the same label set share that set's
 * consumer, so each job goes to one of them.
 *
 * No pull request is left open: a core subscription to the subjects says
 * when a job arrives, and the puller then fetches without waiting; a sweep
 * every second finds jobs handed back or redelivered. So a job is delivered
 * only when the runner asks for at most its free capacity.
 */
import { AckPolicy, type JetStreamManager, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { atEndOfTurn, sendDue } from './end-of-turn.js';
import { type Labels, labelSubsets, labelToken, routesByLabels } from './label-routes.js';
import { type PulledMessage, PullInbox } from './pull-requests.js';

export interface JobMessage {
  jobId: string;
  attempt: number;
  labels?: Record<string, string>;
}

export interface JobDelivery extends JobMessage {
  /** Tell the stream the job is taken (or refused for good): it is removed from the queue. */
  ack(): void;
  /** Hand the message back for another runner, after `delayMs`. */
  nak(delayMs?: number): void;
  /** How many times NATS has delivered this message. */
  deliveries: number;
}

export interface PullerDeps {
  nc: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  prefix: string;
  ackWaitMs: number;
}

interface Source {
  subject: string;
  durable: string;
}

/** How often a waiting puller looks for jobs that arrived without a publish (redeliveries). */
const SWEEP_EVERY_MS = 1000;
/** After a wake-up the job may not be stored yet: fetch again after these pauses. */
const WAKE_RETRIES_MS = [0, 10, 30, 60, 100];
/** The longest a fetch may wait for the server's answer. */
const FETCH_TIMEOUT_MS = 2000;

const jc = JSONCodec();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The subjects and durable consumer names a runner of `pool` with `labels` reads. */
export function sourcesFor(prefix: string, pool: string, labels: Labels): Source[] {
  const sources: Source[] = [{ subject: `${prefix}.${pool}`, durable: `runners-${pool}` }];
  if (!routesByLabels(labels)) return sources;
  for (const set of labelSubsets(labels)) {
    const token = labelToken(set) as string;
    sources.push({ subject: `${prefix}.${pool}.${token}`, durable: `runners-${pool}-${token}` });
  }
  return sources;
}

export class JobPuller {
  private turn = 0;
  private readonly woken = new Set<number>();
  private wake: (() => void) | undefined;
  private readonly subs: Subscription[] = [];
  private closed = false;
  private readonly inbox: PullInbox;

  private constructor(
    private readonly deps: PullerDeps,
    private readonly pool: string,
    private readonly sources: Source[],
    /** Whether it reads a subject per label set (false: more labels than routed). */
    readonly routed: boolean,
  ) {
    this.inbox = new PullInbox(deps.nc);
    const bySubject = new Map(sources.map((s, i) => [s.subject, i]));
    const onMessage = (subject: string) => {
      const i = bySubject.get(subject);
      if (i === undefined) return;
      this.woken.add(i);
      this.wake?.();
    };
    const subjects = [`${deps.prefix}.${pool}`, ...(sources.length > 1 ? [`${deps.prefix}.${pool}.*`] : [])];
    for (const subject of subjects) {
      this.subs.push(deps.nc.subscribe(subject, { callback: (_err, m) => onMessage(m.subject) }));
    }
  }

  static async open(deps: PullerDeps, pool: string, labels: Labels): Promise<JobPuller> {
    const sources = sourcesFor(deps.prefix, pool, labels);
    for (const s of sources) await ensureConsumer(deps, s);
    return new JobPuller(deps, pool, sources, routesByLabels(labels));
  }

  /**
   * At most `n` deliveries: the jobs waiting now, or else the first to arrive
   * within `waitMs`; an empty list when none came.
   */
  async take(n: number, waitMs: number): Promise<JobDelivery[]> {
    if (n <= 0 || this.closed) return [];
    const deadline = Date.now() + waitMs;
    this.woken.clear();
    let out = await this.sweep(n);
    while (out.length === 0 && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const woken = await this.waitForWake(Math.min(left, SWEEP_EVERY_MS));
      if (woken.length > 0) out = await this.fetchWoken(woken, n);
      else if (Date.now() < deadline) out = await this.sweep(n);
    }
    return out;
  }

  /** Stops listening; deliveries already returned stay valid. */
  close(): void {
    sendDue();
    this.closed = true;
    for (const s of this.subs) s.unsubscribe();
    this.inbox.dispose(FETCH_TIMEOUT_MS);
    this.wake?.();
  }

  private waitForWake(ms: number): Promise<number[]> {
    const drain = () => {
      const out = [...this.woken];
      this.woken.clear();
      return out;
    };
    if (this.woken.size > 0) return Promise.resolve(drain());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(drain());
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(drain());
      };
    });
  }

  /** Looks at every source that holds messages, starting from the next in turn. */
  private async sweep(n: number): Promise<JobDelivery[]> {
    const order = this.rotation();
    if (this.sources.length === 1) return this.fetchFrom(order, n);
    const { deps, pool } = this;
    const info = await deps.jsm.streams.info(deps.stream, { subjects_filter: `${deps.prefix}.${pool}.>` });
    const counts = info.state.subjects ?? {};
    const holding = order.filter((i) => i === 0 || (counts[this.sources[i]?.subject ?? ''] ?? 0) > 0);
    return this.fetchFrom(holding, n);
  }

  /** A wake-up may come before the stream has stored the job: try a few times. */
  private async fetchWoken(woken: number[], n: number): Promise<JobDelivery[]> {
    const order = this.rotation().filter((i) => woken.includes(i));
    for (const pause of WAKE_RETRIES_MS) {
      if (pause > 0) await sleep(pause);
      if (this.closed) return [];
      const out = await this.fetchFrom(order, n);
      if (out.length > 0) return out;
    }
    return [];
  }

  /** Source indexes starting with the one whose turn it is; the turn moves on each call. */
  private rotation(): number[] {
    const len = this.sources.length;
    const start = this.turn % len;
    this.turn = (this.turn + 1) % len;
    return Array.from({ length: len }, (_, k) => (start + k) % len);
  }

  private async fetchFrom(order: number[], n: number): Promise<JobDelivery[]> {
    const out: JobDelivery[] = [];
    for (const i of order) {
      const source = this.sources[i];
      if (source === undefined || out.length >= n || this.closed) break;
      let got: PulledMessage[];
      try {
        got = await this.inbox.pull(this.deps.stream, source.durable, n - out.length, FETCH_TIMEOUT_MS);
      } catch (err) {
        // What earlier sources gave is returned; the failure shows on the next take.
        if (out.length > 0) return out;
        throw err;
      }
      for (const m of got) out.push(delivery(m));
    }
    return out;
  }
}

function delivery(m: PulledMessage): JobDelivery {
  return {
    ...(jc.decode(m.data) as JobMessage),
    deliveries: m.delivered,
    // Acknowledgements of a turn leave together. If the connection closed meanwhile,
    // NATS offers the job again after the ack wait and the coordinator refuses a second Accept.
    ack: () => atEndOfTurn(() => m.ack()),
    nak: (d) => atEndOfTurn(() => m.nak(d)),
  };
}

async function ensureConsumer(deps: PullerDeps, source: Source): Promise<void> {
  const { jsm, stream } = deps;
  try {
    await jsm.consumers.info(stream, source.durable);
    return;
  } catch {
    // Not there yet: created below.
  }
  await jsm.consumers
    .add(stream, {
      durable_name: source.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: source.subject,
      ack_wait: deps.ackWaitMs * 1_000_000,
      max_ack_pending: 10_000,
    })
    .catch(async (err) => {
      // Another runner created it between our look and our add.
      await jsm.consumers.info(stream, source.durable).catch(() => {
        throw err;
      });
    });
}
