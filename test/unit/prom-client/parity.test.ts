/**
 * Differential tests: each scenario runs on prom-client 15.1.3 and @prometheus-io/client 0.16
 * (dev dependencies) and on promkit/prom-client, and everything a user can observe must be
 * equal: `metrics()` in both content types, `getMetricsAsJSON()`, thrown error messages. Where the
 * two peers disagree, promkit follows prom-client, except for error messages, which follow
 * @prometheus-io/client (they name the bad value; docs/migrating-from-prom-client.md). Literal
 * expected outputs for the main shapes are in registry.test.ts, so equality with the peers is not
 * the only check.
 */
import * as prometheusIo from '@prometheus-io/client';
import * as promClient from 'prom-client';
import { afterEach, describe, expect, test, vi } from 'vitest';
import * as layer from '../../../src/prom-client/index.js';

type Client = typeof layer;
type Scenario = (client: Client, registry: InstanceType<Client['Registry']>, log: (entry: unknown) => void) => void | Promise<void>;

const CONTENT_TYPES = ['text/plain; version=0.0.4; charset=utf-8', 'application/openmetrics-text; version=1.0.0; charset=utf-8'] as const;

async function observe(client: Client, scenario: Scenario, contentType: (typeof CONTENT_TYPES)[number]): Promise<unknown[]> {
  const registry = new client.Registry(contentType as never);
  const log: unknown[] = [];
  const attempt = (entry: unknown) => log.push(entry);
  await scenario(client, registry, attempt);
  log.push(await registry.metrics());
  log.push(JSON.parse(JSON.stringify(await registry.getMetricsAsJSON())));
  return log;
}

function threw(call: () => unknown): string {
  try {
    call();
    return 'no error';
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

afterEach(() => {
  vi.useRealTimers();
});

const scenarios: Record<string, Scenario> = {
  'counters with and without labels, both label styles, label order kept as given': (c, r) => {
    const plain = new c.Counter({ name: 'jobs', help: 'Jobs done.', registers: [r] });
    plain.inc();
    plain.inc(2.5);
    const labelled = new c.Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['method', 'code'], registers: [r] });
    labelled.inc({ code: 200, method: 'GET' });
    labelled.labels('POST', '500').inc(3);
    labelled.labels({ method: 'GET', code: 200 }).inc();
    labelled.inc({ method: 'PUT' }, 0);
  },
  'gauges: set, inc, dec, non-finite values, a gauge never written': (c, r) => {
    const g = new c.Gauge({ name: 'queue', help: 'Queue.', labelNames: ['q'], registers: [r] });
    g.set({ q: 'a' }, 10);
    g.inc({ q: 'a' }, 5);
    g.dec({ q: 'a' });
    g.labels('b').set(Infinity);
    g.labels('c').set(-Infinity);
    g.labels('d').set(NaN);
    g.labels('e').dec(2);
    new c.Gauge({ name: 'idle', help: 'Never written.', registers: [r] });
  },
  'histograms: buckets, le formatting, sum and count, +Inf only': (c, r) => {
    const h = new c.Histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.1, 1, 2.5], registers: [r] });
    h.observe({ route: '/a' }, 0.05);
    h.observe({ route: '/a' }, 0.1);
    h.observe({ route: '/a' }, 2);
    h.labels('/b').observe(100);
    const plain = new c.Histogram({ name: 'size_bytes', help: 'Size.', buckets: c.exponentialBuckets(1, 10, 3), registers: [r] });
    plain.observe(5);
  },
  'summaries: quantiles of small samples, sum and count, labels after quantile': (c, r) => {
    const s = new c.Summary({ name: 'amount', help: 'Amount.', labelNames: ['currency'], registers: [r] });
    for (const v of [100, 100, 100, 50, 50]) s.observe({ currency: 'EUR' }, v);
    const p = new c.Summary({ name: 'ratio', help: 'Ratio.', percentiles: [0.1, 0.5, 0.99], registers: [r] });
    for (let v = 1; v <= 10; v++) p.observe(v);
    new c.Summary({ name: 'empty', help: 'Nothing observed.', registers: [r] });
  },
  'escaping of help and label values': (c, r) => {
    const g = new c.Gauge({ name: 'escaped', help: 'Back\\slash and\nnewline "quoted"', labelNames: ['v'], registers: [r] });
    g.set({ v: 'a"b\\c\nd' }, 1);
  },
  'default labels fill in labels a series does not have': (c, r) => {
    r.setDefaultLabels({ service: 'api', method: 'default' });
    const counter = new c.Counter({ name: 'hits', help: 'Hits.', labelNames: ['method'], registers: [r] });
    counter.inc({ method: 'GET' });
    counter.inc();
    const h = new c.Histogram({ name: 'h', help: 'H.', labelNames: ['method'], buckets: [1], registers: [r] });
    h.observe({ method: 'GET' }, 0.5);
  },
  'reset, remove and zero': (c, r) => {
    const counter = new c.Counter({ name: 'c', help: 'C.', labelNames: ['k'], registers: [r] });
    counter.inc({ k: 'a' }, 5);
    counter.inc({ k: 'b' }, 7);
    counter.remove('a');
    const plain = new c.Counter({ name: 'plain', help: 'Plain.', registers: [r] });
    plain.inc(100);
    plain.reset();
    const h = new c.Histogram({ name: 'h', help: 'H.', labelNames: ['k'], buckets: [1], registers: [r] });
    h.observe({ k: 'a' }, 0.5);
    h.observe({ k: 'b' }, 0.5);
    h.remove({ k: 'a' });
    h.zero({ k: 'c' });
    const unlabelled = new c.Histogram({ name: 'u', help: 'U.', buckets: [1], registers: [r] });
    unlabelled.observe(3);
    unlabelled.reset();
    const s = new c.Summary({ name: 's', help: 'S.', labelNames: ['k'], percentiles: [0.5], registers: [r] });
    s.observe({ k: 'a' }, 4);
    s.reset();
  },
  'a child keeps recording after its metric is reset': (c, r) => {
    const counter = new c.Counter({ name: 'c', help: 'C.', labelNames: ['k'], registers: [r] });
    const child = counter.labels('a');
    child.inc(5);
    counter.reset();
    child.inc(2);
    const g = new c.Gauge({ name: 'g', help: 'G.', labelNames: ['k'], registers: [r] });
    const gc = g.labels('a');
    gc.set(9);
    g.remove('a');
    gc.inc();
    const h = new c.Histogram({ name: 'h', help: 'H.', labelNames: ['k'], buckets: [1], registers: [r] });
    const hc = h.labels('a');
    hc.observe(0.5);
    h.reset();
    hc.observe(2);
  },
  'clear() then the same names defined again start fresh, with other labels and buckets': (c, r) => {
    const first = new c.Counter({ name: 'reused', help: 'First.', registers: [r] });
    first.inc(102);
    new c.Histogram({ name: 'reused_h', help: 'First.', buckets: [1, 2], registers: [r] });
    r.clear();
    new c.Counter({ name: 'reused', help: 'Second.', labelNames: ['k'], registers: [r] }).inc({ k: 'x' });
    new c.Histogram({ name: 'reused_h', help: 'Second.', buckets: [5], registers: [r] }).observe(3);
  },
  'record-time errors throw with prom-client messages': (c, r, log) => {
    const counter = new c.Counter({ name: 'c', help: 'C.', labelNames: ['method', 'endpoint'], registers: [r] });
    log(threw(() => counter.inc(-1)));
    log(threw(() => counter.inc('3ms' as never)));
    log(threw(() => counter.inc({ nope: 'x' } as never)));
    log(threw(() => counter.labels('GET').inc()));
    log(threw(() => counter.remove('GET')));
    const g = new c.Gauge({ name: 'g', help: 'G.', labelNames: ['a'], registers: [r] });
    log(threw(() => g.set('asd' as never)));
    log(threw(() => g.inc('3' as never)));
    log(threw(() => g.labels({ b: 'x' } as never)));
    const h = new c.Histogram({ name: 'h', help: 'H.', labelNames: ['method'], registers: [r] });
    log(threw(() => h.observe(NaN)));
    log(threw(() => h.observe({ method: 'x' }, 'asd' as never)));
    log(threw(() => h.labels('get', '500')));
    const s = new c.Summary({ name: 's', help: 'S.', labelNames: ['foo'], registers: [r] });
    log(threw(() => s.observe({ foo: 'bar', baz: 'qaz' } as never, 10)));
    log(threw(() => s.observe(Infinity)));
  },
  'definition errors': (c, r, log) => {
    log(threw(() => new c.Counter({ name: 'bad name', help: 'x', registers: [r] })));
    log(threw(() => new c.Counter({ name: 'ok', help: '', registers: [r] })));
    log(threw(() => new c.Counter({ name: '', help: 'x', registers: [r] })));
    log(threw(() => new c.Gauge({ name: 'ok2', help: 'x', labelNames: ['bad-label', 'fine', '1x'], registers: [r] })));
    log(threw(() => new c.Histogram({ name: 'h', help: 'x', labelNames: ['le'], registers: [] })));
    log(threw(() => new c.Summary({ name: 's', help: 'x', labelNames: ['quantile'], registers: [] })));
    log(threw(() => new c.Counter({ name: 'ok3', help: 'x', collect: 5 as never, registers: [r] })));
    new c.Counter({ name: 'taken', help: 'x', registers: [r] });
    log(threw(() => new c.Gauge({ name: 'taken', help: 'y', registers: [r] })));
    log(threw(() => new c.Registry('text/html' as never)));
    log(threw(() => r.setContentType('text/html' as never)));
    log(threw(() => c.linearBuckets(0, 1, 0)));
    log(threw(() => c.exponentialBuckets(1, 2, -1)));
    log(threw(() => c.exponentialBuckets(0, 2, 3)));
    log(threw(() => c.exponentialBuckets(1, 1, 3)));
    log([c.validateMetricName('a:b_c'), c.validateMetricName('1abc'), c.linearBuckets(1, 0.5, 3), c.exponentialBuckets(1, 2, 4)]);
  },
  'collect() runs before each read, async included': async (c, r) => {
    let calls = 0;
    new c.Gauge({
      name: 'g',
      help: 'G.',
      registers: [r],
      async collect() {
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
        this.set(calls);
      },
    });
  },
};

/** Scenarios whose error messages changed after prom-client 15.1.3: compared with @prometheus-io/client only. */
const MESSAGES = new Set(['record-time errors throw with prom-client messages', 'definition errors']);
/** Where @prometheus-io/client 0.16 differs from prom-client 15.1.3 (`_sum`/`_count` of a summary without labels have no `labels`): compared with prom-client only. */
const PROM_CLIENT_ONLY = new Set(['summaries: quantiles of small samples, sum and count, labels after quantile']);
const upstream = promClient as unknown as Client;

describe('promkit/prom-client behaves as prom-client 15 and @prometheus-io/client 0.16', () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    for (const contentType of CONTENT_TYPES) {
      test(`${name} (${contentType.split(';')[0]})`, async () => {
        const actual = await observe(layer, scenario, contentType);
        if (!PROM_CLIENT_ONLY.has(name)) expect(actual).toEqual(await observe(prometheusIo as unknown as Client, scenario, contentType));
        if (!MESSAGES.has(name)) expect(actual).toEqual(await observe(promClient as unknown as Client, scenario, contentType));
      });
    }
  }

  test('exemplars on an OpenMetrics registry: counter and histogram buckets', async () => {
    vi.useFakeTimers({ now: 1_678_654_679_000, toFake: ['Date'] });
    const scenario: Scenario = (c, r) => {
      const counter = new c.Counter({ name: 'c', help: 'C.', labelNames: ['method'], enableExemplars: true, registers: [r] });
      counter.inc({ labels: { method: 'get' }, value: 2, exemplarLabels: { traceId: 't1', spanId: 's1' } as never });
      counter.inc({ labels: { method: 'get' } });
      const h = new c.Histogram({ name: 'h', help: 'H.', labelNames: ['method'], buckets: [0.01, 0.5], enableExemplars: true, registers: [r] });
      h.observe({ labels: { method: 'get' }, value: 0.007, exemplarLabels: { traceId: 't2' } as never });
      h.observe({ labels: { method: 'get' }, value: 11, exemplarLabels: { traceId: 't3' } as never });
      h.observe({ labels: { method: 'get' }, value: 0.4 });
    };
    const contentType = CONTENT_TYPES[1];
    expect(await observe(layer, scenario, contentType)).toEqual(await observe(upstream as unknown as Client, scenario, contentType));
    const layerText = (await observe(layer, scenario, contentType))[0] as string;
    expect(layerText).toContain('c_total{method="get"} 3 # {traceId="t1",spanId="s1"} 2 1678654679\n');
    expect(layerText).toContain('h_bucket{le="+Inf",method="get"} 3 # {traceId="t3"} 11 1678654679\n');
  });

  test('exemplars need an OpenMetrics registry, and a label set of at most 128 characters', () => {
    for (const c of [upstream as unknown as Client, layer]) {
      expect(threw(() => new c.Counter({ name: 'x', help: 'x', enableExemplars: true, registers: [new c.Registry()] }))).toBe(
        'TypeError: Exemplars are supported only on OpenMetrics registries',
      );
      const counter = new c.Counter({ name: 'x', help: 'x', enableExemplars: true, registers: [new c.Registry(CONTENT_TYPES[1] as never)] });
      expect(threw(() => counter.inc({ exemplarLabels: { traceId: 'x'.repeat(130) } }))).toBe('RangeError: Label set size must be smaller than 128 UTF-8 chars');
    }
  });
});

describe("prom-client 15.1.3's hashMap (read by middleware tests such as express-prom-bundle's)", () => {
  test('same keys and values for counters, gauges, histograms and summaries', () => {
    const snapshot = (c: Client) => {
      const r = new c.Registry();
      const counter = new c.Counter({ name: 'c', help: 'C.', labelNames: ['b', 'a'], registers: [r] });
      counter.inc({ a: 'x', b: 200 }, 2);
      counter.inc({ a: 'y' });
      const gauge = new c.Gauge({ name: 'g', help: 'G.', registers: [r] });
      gauge.set(5);
      const histogram = new c.Histogram({ name: 'h', help: 'H.', labelNames: ['status_code'], buckets: [0.1, 1], registers: [r] });
      histogram.observe({ status_code: 200 }, 0.5);
      histogram.observe({ status_code: 200 }, 5);
      const summary = new c.Summary({ name: 's', help: 'S.', labelNames: ['k'], registers: [r] });
      summary.observe({ k: 'v' }, 3);
      const read = (metric: object) => (metric as { hashMap: Record<string, Record<string, unknown>> }).hashMap;
      return {
        counter: read(counter),
        gauge: read(gauge),
        histogram: Object.fromEntries(Object.entries(read(histogram)).map(([k, v]) => [k, { labels: v.labels, bucketValues: v.bucketValues, sum: v.sum, count: v.count }])),
        summary: Object.fromEntries(Object.entries(read(summary)).map(([k, v]) => [k, { labels: v.labels, sum: v.sum, count: v.count }])),
      };
    };
    expect(snapshot(layer)).toEqual(snapshot(promClient as unknown as Client));
    expect(Object.keys(snapshot(layer).counter)).toEqual(['a:x,b:200,', 'a:y,']);
  });
});
