/**
 * Just enough of the Prometheus text exposition format (version 0.0.4) for
 * Hangar's metrics: counters, gauges (set or read at scrape time) and
 * histograms, with labels.
 */

type Labels = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): Promise<string[]>;
}

function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function value(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, { labels: Labels; n: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, n = 1): void {
    const key = labelText(labels);
    const v = this.values.get(key);
    if (v === undefined) this.values.set(key, { labels, n });
    else v.n += n;
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels))?.n ?? 0;
  }

  async render(): Promise<string[]> {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values.values()].map((v) => `${this.name}${labelText(v.labels)} ${value(v.n)}`);
  }
}

/** A gauge read when scraped; `collect` returns one value or values by labels. */
export class Gauge implements Metric {
  readonly type = 'gauge';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () =>
      | Promise<number | { labels: Labels; value: number }[]>
      | number
      | { labels: Labels; value: number }[],
  ) {}

  async render(): Promise<string[]> {
    let v: number | { labels: Labels; value: number }[];
    try {
      v = await this.collect();
    } catch {
      v = Number.NaN;
    }
    if (typeof v === 'number') return [`${this.name} ${value(v)}`];
    return v.map((x) => `${this.name}${labelText(x.labels)} ${value(x.value)}`);
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i++) {
      if (v <= (this.buckets[i] as number)) this.counts[i] = (this.counts[i] as number) + 1;
    }
  }

  /** Observations so far, for tests and benchmarks. */
  get total(): number {
    return this.count;
  }

  async render(): Promise<string[]> {
    const lines = this.buckets.map(
      (b, i) => `${this.name}_bucket{le="${value(b)}"} ${this.counts[i] as number}`,
    );
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`);
    lines.push(`${this.name}_sum ${value(this.sum)}`);
    lines.push(`${this.name}_count ${this.count}`);
    return lines;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  add<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} exists`);
    this.metrics.push(metric);
    return metric;
  }

  /** The text a Prometheus server scrapes. */
  async render(): Promise<string> {
    const parts = await Promise.all(
      this.metrics.map(async (m) => [
        `# HELP ${m.name} ${m.help}`,
        `# TYPE ${m.name} ${m.type}`,
        ...(await m.render()),
      ]),
    );
    return `${parts.flat().join('\n')}\n`;
  }
}
