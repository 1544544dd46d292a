import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from './registry.js';

describe('Prometheus text format', () => {
  it('renders counters, gauges and histograms with help, type and escaped labels', async () => {
    const r = new Registry();
    const c = r.add(new Counter('x_total', 'Things.'));
    c.inc({ status: 'success' });
    c.inc({ status: 'success' }, 2);
    c.inc({ status: 'a"b\\c\nd' });
    r.add(new Gauge('g', 'A gauge.', () => 7));
    r.add(new Gauge('broken', 'Fails.', async () => Promise.reject(new Error('down'))));
    const h = r.add(new Histogram('h_seconds', 'Latency.', [0.1, 1]));
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    expect(await r.render()).toBe(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{status="success"} 3',
        'x_total{status="a\\"b\\\\c\\nd"} 1',
        '# HELP g A gauge.',
        '# TYPE g gauge',
        'g 7',
        '# HELP broken Fails.',
        '# TYPE broken gauge',
        'broken NaN',
        '# HELP h_seconds Latency.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{le="0.1"} 1',
        'h_seconds_bucket{le="1"} 2',
        'h_seconds_bucket{le="+Inf"} 3',
        'h_seconds_sum 5.55',
        'h_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  it('refuses two metrics of one name', () => {
    const r = new Registry();
    r.add(new Counter('a', 'x'));
    expect(() => r.add(new Counter('a', 'y'))).toThrow(/metric a exists/);
  });
});
