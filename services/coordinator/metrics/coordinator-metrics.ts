/** The coordinator's metrics, all in one registry. */
import { Counter, Gauge, Histogram, Registry } from './registry.js';

export interface MetricSources {
  /** Messages waiting in the NATS work queue. */
  queueDepth(): Promise<number>;
  activeJobs(): Promise<{ pending: number; queued: number; running: number }>;
  connectedRunners(): number;
  pendingEvents(): number;
}

export interface CoordinatorMetrics {
  registry: Registry;
  /** Seconds from publishing a job to a runner accepting it. */
  dispatchLatency: Histogram;
  /** Seconds from a build's start to its end. */
  buildDuration: Histogram;
  buildsFinished: Counter;
  jobsDispatched: Counter;
  leasesLapsed: Counter;
  logLines: Counter;
  refusedCalls: Counter;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60];
const DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

/** Cuts a slow scrape source short, so /metrics answers even when NATS does not. */
function timed<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref()),
  ]);
}

export function coordinatorMetrics(src: MetricSources): CoordinatorMetrics {
  const registry = new Registry();
  registry.add(
    new Gauge('hangar_queue_depth', 'Jobs waiting in the NATS work queue (not yet taken by a runner).', () =>
      timed(src.queueDepth(), 2000),
    ),
  );
  let active: Promise<{ pending: number; queued: number; running: number }> | undefined;
  const activeOnce = () => {
    active ??= timed(src.activeJobs(), 2000).finally(() => {
      active = undefined;
    });
    return active;
  };
  registry.add(
    new Gauge(
      'hangar_jobs_running',
      'Jobs a runner holds a lease on.',
      async () => (await activeOnce()).running,
    ),
  );
  registry.add(
    new Gauge('hangar_jobs_waiting', 'Jobs not yet running, by state.', async () => {
      const a = await activeOnce();
      return [
        { labels: { state: 'pending' }, value: a.pending },
        { labels: { state: 'queued' }, value: a.queued },
      ];
    }),
  );
  registry.add(
    new Gauge('hangar_runners_connected', 'Runners that called the coordinator recently.', () =>
      src.connectedRunners(),
    ),
  );
  registry.add(
    new Gauge('process_resident_memory_bytes', 'Resident memory size of the coordinator process.', () =>
      process.memoryUsage.rss(),
    ),
  );
  registry.add(
    new Gauge('nodejs_memory_bytes', 'Memory of the process by kind (process.memoryUsage()).', () => {
      const m = process.memoryUsage();
      return [
        { labels: { kind: 'heap_used' }, value: m.heapUsed },
        { labels: { kind: 'heap_total' }, value: m.heapTotal },
        { labels: { kind: 'external' }, value: m.external },
        { labels: { kind: 'array_buffers' }, value: m.arrayBuffers },
      ];
    }),
  );
  registry.add(
    new Gauge('hangar_events_pending', 'State-change events waiting to be published to NATS.', () =>
      src.pendingEvents(),
    ),
  );
  return {
    registry,
    dispatchLatency: registry.add(
      new Histogram(
        'hangar_dispatch_latency_seconds',
        'Time from publishing a job to the work queue to a runner accepting it.',
        LATENCY_BUCKETS,
      ),
    ),
    buildDuration: registry.add(
      new Histogram(
        'hangar_build_duration_seconds',
        'Time from a build starting to its end.',
        DURATION_BUCKETS,
      ),
    ),
    buildsFinished: registry.add(
      new Counter('hangar_builds_finished_total', 'Builds that ended, by status.'),
    ),
    jobsDispatched: registry.add(
      new Counter('hangar_jobs_dispatched_total', 'Job messages published to the work queue.'),
    ),
    leasesLapsed: registry.add(
      new Counter(
        'hangar_leases_lapsed_total',
        'Jobs taken back because their runner stopped extending the lease.',
      ),
    ),
    logLines: registry.add(new Counter('hangar_log_lines_total', 'Log lines received from runners.')),
    refusedCalls: registry.add(
      new Counter('hangar_refused_calls_total', 'gRPC calls refused for a wrong or missing secret.'),
    ),
  };
}
