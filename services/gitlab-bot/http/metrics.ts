/**
 * The bot's Prometheus metrics, written in the text exposition format by hand:
 * a handful of counters, gauges read at scrape time, and latency histograms.
 */

type Labels = Record<string, string>;

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
  );
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface Family {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(name: string): Promise<string[]> | string[];
}

export class Counter {
  private readonly values = new Map<string, number>();
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }
  lines(name: string): string[] {
    return [...this.values].map(([l, v]) => `${name}${l} ${v}`);
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(private readonly buckets: readonly number[] = DEFAULT_BUCKETS) {
    this.counts = buckets.map(() => 0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    this.buckets.forEach((b, i) => {
      if (seconds <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }
  lines(name: string): string[] {
    return [
      ...this.buckets.map((b, i) => `${name}_bucket{le="${b}"} ${this.counts[i] ?? 0}`),
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    ];
  }
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): Counter {
    const c = new Counter();
    this.families.set(name, { help, type: 'counter', render: (n) => c.lines(n) });
    return c;
  }

  histogram(name: string, help: string, buckets?: readonly number[]): Histogram {
    const h = new Histogram(buckets);
    this.families.set(name, { help, type: 'histogram', render: (n) => h.lines(n) });
    return h;
  }

  /** A value read when /metrics is scraped. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    this.families.set(name, {
      help,
      type: 'gauge',
      render: async (n) => [`${n} ${await read()}`],
    });
  }

  async text(): Promise<string> {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      let lines: string[];
      try {
        lines = await f.render(name);
      } catch {
        continue;
      }
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...lines);
    }
    return `${out.join('\n')}\n`;
  }
}
