import { describe, expect, it } from 'vitest';
import {
  BUCKET_PRESETS,
  CATALOGUE,
  checkAttributeKeys,
  checkBoundaries,
  checkDefinition,
  checkMetricName,
  checkUnit,
  DOMAINS,
  findDefinition,
  type MetricDefinition,
} from '../../../src/catalogue/index.js';

const RESERVED_LABELS = ['le', 'quantile', 'job', 'instance', 'otel_scope_name', 'otel_scope_version'];
const PROMETHEUS_SUFFIX_WORDS = /(^|[._])(total|seconds|bytes|ratio|bucket|sum|info|milliseconds)$/;

function get(name: string): MetricDefinition {
  const def = findDefinition(name);
  if (def === undefined) throw new Error(`${name} is missing from the catalogue`);
  return def;
}

describe('the whole catalogue', () => {
  it('passes checkDefinition for every entry', () => {
    const problems = CATALOGUE.flatMap((def) => {
      const problem = checkDefinition(def);
      return problem === undefined ? [] : [`${def.name}: ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it('has unique names', () => {
    const names = CATALOGUE.map((def) => def.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every histogram explicit, finite, strictly increasing boundaries', () => {
    const histograms = CATALOGUE.filter((def) => def.kind === 'histogram');
    expect(histograms.length).toBeGreaterThan(0);
    for (const def of histograms) {
      const b = def.boundaries ?? [];
      expect(b.length, def.name).toBeGreaterThan(0);
      expect(b.every(Number.isFinite), def.name).toBe(true);
      expect([...b].sort((x, y) => x - y), def.name).toEqual([...b]);
      expect(new Set(b).size, def.name).toBe(b.length);
    }
  });

  it('gives no non-histogram any boundaries', () => {
    const withBuckets = CATALOGUE.filter((def) => def.kind !== 'histogram' && def.boundaries !== undefined);
    expect(withBuckets.map((def) => def.name)).toEqual([]);
  });

  it('uses no reserved label as an attribute', () => {
    const offending = CATALOGUE.flatMap((def) =>
      def.attributes.filter((key) => RESERVED_LABELS.includes(key.replaceAll('.', '_'))).map((key) => `${def.name}: ${key}`),
    );
    expect(offending).toEqual([]);
  });

  it('puts no _total or unit word in an OTel name', () => {
    const offending = CATALOGUE.map((def) => def.name).filter((name) => PROMETHEUS_SUFFIX_WORDS.test(name));
    expect(offending).toEqual([]);
  });

  it('writes every description as one sentence ending with a full stop', () => {
    const offending = CATALOGUE.filter((def) => !/^[A-Z0-9][^]*\.$/.test(def.description) || /[.!?]\s+[A-Z]/.test(def.description));
    expect(offending.map((def) => def.name)).toEqual([]);
  });

  it('declares a cluster aggregation on every gauge and up-down counter, and on no counter or histogram', () => {
    const valueKinds = ['gauge', 'updowncounter', 'observable_gauge', 'observable_updowncounter'];
    const missing = CATALOGUE.filter((def) => valueKinds.includes(def.kind) && def.clusterAggregation === undefined);
    const needless = CATALOGUE.filter((def) => !valueKinds.includes(def.kind) && def.clusterAggregation !== undefined);
    expect(missing.map((def) => def.name)).toEqual([]);
    expect(needless.map((def) => def.name)).toEqual([]);
    // The policies the cluster docs promise for in-flight requests, pool usage and runtime metrics.
    expect(get('http.server.active_requests').clusterAggregation).toBe('sum');
    expect(get('db.client.connection.count').clusterAggregation).toBe('sum');
    expect(get('circuit_breaker.state').clusterAggregation).toBe('max');
    expect(get('v8js.memory.heap.used').clusterAggregation).toBe('per_worker');
  });

  it('lists entries in domain order', () => {
    const order = CATALOGUE.map((def) => DOMAINS.indexOf(def.domain));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(CATALOGUE.map((def) => def.domain))).toEqual(new Set(DOMAINS));
  });

  it('freezes the table, its entries and their arrays against mutation', () => {
    'use strict';
    const def = get('http.server.request.duration') as unknown as { name: string; attributes: string[]; boundaries: number[] };
    expect(() => {
      def.name = 'x';
    }).toThrow(TypeError);
    expect(() => def.attributes.push('user.id')).toThrow(TypeError);
    expect(() => {
      def.boundaries[0] = 0;
    }).toThrow(TypeError);
    expect(() => (CATALOGUE as MetricDefinition[]).pop()).toThrow(TypeError);
    expect(Object.isFrozen(BUCKET_PRESETS)).toBe(true);
    expect(Object.isFrozen(BUCKET_PRESETS.http_duration)).toBe(true);
    expect(CATALOGUE.every((d) => Object.isFrozen(d) && Object.isFrozen(d.attributes))).toBe(true);
  });

  it('finds entries by name and returns undefined for unknown names', () => {
    expect(findDefinition('cache.hits')?.kind).toBe('counter');
    expect(findDefinition('orders.processed')).toBeUndefined();
  });
});

describe('catalogue rows', () => {
  it('uses the HTTP semconv boundaries for http.server.request.duration', () => {
    expect(get('http.server.request.duration')).toMatchObject({
      kind: 'histogram',
      unit: 's',
      source: 'semconv',
      boundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    });
  });

  it('keeps http.route but no raw path attribute on HTTP server metrics', () => {
    expect(get('http.server.request.duration').attributes).toContain('http.route');
    expect(get('http.server.request.duration').attributes).not.toContain('url.path');
  });

  it('defines both HTTP server body sizes in bytes with the body_size preset', () => {
    for (const name of ['http.server.request.body.size', 'http.server.response.body.size']) {
      expect(get(name)).toMatchObject({ kind: 'histogram', unit: 'By', boundaries: [100, 1024, 10240, 102400, 1048576, 10485760] });
    }
  });

  it('records token usage by gen_ai.token.type and without error.type', () => {
    const def = get('gen_ai.client.token.usage');
    expect(def.attributes).toContain('gen_ai.token.type');
    expect(def.attributes).not.toContain('error.type');
    expect(def.unit).toBe('{token}');
    expect(def.boundaries).toEqual(BUCKET_PRESETS.token_count);
  });

  it('times GenAI operations and chunks with the GenAI semconv duration buckets', () => {
    for (const name of [
      'gen_ai.client.operation.duration',
      'gen_ai.client.operation.time_to_first_chunk',
      'gen_ai.client.operation.time_per_output_chunk',
    ]) {
      expect(get(name).boundaries?.at(0)).toBe(0.01);
      expect(get(name).boundaries?.at(-1)).toBe(81.92);
      expect(get(name).attributes).toContain('error.type');
    }
  });

  it('defines cache sizes as gauges and hits and misses as counters', () => {
    expect(get('cache.size')).toMatchObject({ kind: 'gauge', unit: 'By' });
    expect(get('cache.entries')).toMatchObject({ kind: 'gauge', unit: '{entry}' });
    expect(get('cache.hits')).toMatchObject({ kind: 'counter', unit: '{request}' });
    expect(get('cache.misses')).toMatchObject({ kind: 'counter', unit: '{request}' });
  });

  it('defines every pool metric of the DB semconv table', () => {
    for (const name of ['db.client.connection.count', 'db.client.connection.max', 'db.client.connection.pending_requests']) {
      expect(get(name).kind).toBe('updowncounter');
    }
    for (const name of ['db.client.connection.wait_time', 'db.client.connection.use_time']) {
      expect(get(name).boundaries).toEqual([0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
    }
    expect(get('db.client.connection.timeouts').kind).toBe('counter');
    expect(get('db.client.response.returned_rows').attributes).not.toContain('error.type');
  });

  it('defines the circuit breaker call, state, transitions and failure rate', () => {
    expect(get('circuit_breaker.call.duration').attributes).toEqual(['circuit_breaker.name', 'circuit_breaker.outcome']);
    expect(get('circuit_breaker.state')).toMatchObject({ kind: 'gauge', unit: '{state}' });
    expect(get('circuit_breaker.transitions').attributes).toEqual([
      'circuit_breaker.name',
      'circuit_breaker.from_state',
      'circuit_breaker.to_state',
    ]);
    // Observable: read at collection, so it follows the sliding window even when calls stop.
    expect(get('circuit_breaker.failure_rate')).toMatchObject({ kind: 'observable_gauge', unit: '1', attributes: ['circuit_breaker.name'] });
    expect(get('circuit_breaker.critical')).toMatchObject({ kind: 'gauge', unit: '{breaker}', attributes: ['circuit_breaker.name'] });
  });

  it('uses the v8js semconv GC buckets and event-loop gauges in seconds', () => {
    expect(get('v8js.gc.duration').boundaries).toEqual([0.01, 0.1, 1, 10]);
    for (const stat of ['min', 'max', 'mean', 'p50', 'p90', 'p99']) {
      expect(get(`nodejs.eventloop.delay.${stat}`)).toMatchObject({ kind: 'gauge', unit: 's' });
    }
    expect(get('process.cpu.time')).toMatchObject({ kind: 'counter', unit: 's', attributes: ['cpu.mode'] });
  });

  it('counts refused measurements by metric and reason', () => {
    expect(get('promkit.measurements.dropped')).toMatchObject({
      kind: 'counter',
      unit: '{measurement}',
      attributes: ['promkit.metric', 'promkit.reason'],
      domain: 'promkit',
    });
  });
});

describe('definition rules', () => {
  it('rejects an uppercase metric name, naming it', () => {
    expect(checkMetricName('Foo')).toContain('"Foo"');
  });

  it('rejects a name ending in a Prometheus suffix, naming the suffix', () => {
    expect(checkMetricName('http.request.duration_seconds')).toContain('"_seconds"');
    expect(checkMetricName('jobs.requests_count')).toContain('"_count"');
  });

  it('accepts a semconv name whose last segment is count', () => {
    expect(checkMetricName('db.client.connection.count')).toBeUndefined();
  });

  it('rejects repeated bucket boundaries, naming the value', () => {
    expect(checkBoundaries([1, 1])).toMatch(/1 is followed by 1 at index 1/);
  });

  it('rejects a NaN bucket boundary, naming it', () => {
    expect(checkBoundaries([1, NaN])).toContain('NaN');
  });

  it('rejects an empty boundary list', () => {
    expect(checkBoundaries([])).toContain('non-empty');
  });

  it('rejects the reserved label le, naming it', () => {
    expect(checkAttributeKeys(['le'])).toContain('"le"');
  });

  it('rejects attribute keys that collide once dots become underscores', () => {
    expect(checkAttributeKeys(['a.b', 'a_b'])).toContain('"a_b"');
  });

  it('rejects a unit with trailing whitespace, naming it', () => {
    expect(checkUnit('seconds ')).toContain('"seconds "');
  });

  it('rejects a histogram without boundaries and a counter with them', () => {
    const base = { name: 'orders.latency', unit: 's', description: 'Order latency.', attributes: [], domain: 'promkit', source: 'promkit' } as const;
    expect(checkDefinition({ ...base, kind: 'histogram' })).toContain('no explicit bucket boundaries');
    expect(checkDefinition({ ...base, kind: 'counter', boundaries: [1] })).toContain('only histograms');
  });

  it('rejects a gauge without a cluster aggregation and a counter with one', () => {
    const base = { name: 'queue.depth', unit: '{job}', description: 'Jobs waiting.', attributes: [], domain: 'promkit', source: 'promkit' } as const;
    expect(checkDefinition({ ...base, kind: 'gauge' })).toContain('has no clusterAggregation');
    expect(checkDefinition({ ...base, kind: 'gauge', clusterAggregation: 'avg' as never })).toContain('"avg" is not one of');
    expect(checkDefinition({ ...base, kind: 'counter', clusterAggregation: 'sum' })).toContain('always summed');
    expect(checkDefinition({ ...base, kind: 'gauge', clusterAggregation: 'max' })).toBeUndefined();
  });

  it('rejects a description that is not one sentence ending with a full stop', () => {
    const base = { name: 'orders.processed', kind: 'counter', unit: '1', attributes: [], domain: 'promkit', source: 'promkit' } as const;
    expect(checkDefinition({ ...base, description: 'Orders processed' })).toContain('"Orders processed"');
    expect(checkDefinition({ ...base, description: 'Orders. Processed.' })).toContain('one sentence');
    expect(checkDefinition({ ...base, description: 'Orders processed.' })).toBeUndefined();
  });
});
