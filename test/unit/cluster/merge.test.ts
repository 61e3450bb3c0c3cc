import type { Attributes } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type Histogram, type MetricData, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { mergeMembers, WORKER_ATTRIBUTE, type Member } from '../../../src/cluster/merge.js';
import { DEFAULT_CLUSTER_AGGREGATION, policyFor } from '../../../src/cluster/primary.js';
import { fromWire, toWire } from '../../../src/cluster/wire.js';

const T0: [number, number] = [100, 0];
const T1: [number, number] = [200, 0];

function sum(name: string, points: [Attributes, number][], isMonotonic = true): MetricData {
  return {
    descriptor: { name, description: `${name}.`, unit: '1', valueType: 1 },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic,
    dataPoints: points.map(([attributes, value]) => ({ attributes, startTime: T0, endTime: T1, value })),
  };
}

function gauge(name: string, points: [Attributes, number][]): MetricData {
  return {
    descriptor: { name, description: `${name}.`, unit: '1', valueType: 1 },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: points.map(([attributes, value]) => ({ attributes, startTime: T0, endTime: T1, value })),
  };
}

function histogram(name: string, attributes: Attributes, value: Histogram): MetricData {
  return {
    descriptor: { name, description: `${name}.`, unit: 's', valueType: 1 },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: [{ attributes, startTime: T0, endTime: T1, value }],
  };
}

function member(id: string, metrics: MetricData[], current = true): Member {
  return { id, current, scopes: [{ scope: { name: 'promkit' }, metrics }] };
}

/** Every point of `name` in the merge, as [attributes, value]. */
function pointsOf(merged: ScopeMetrics[], name: string): [Attributes, unknown][] {
  const metric = merged.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []).map((point) => [point.attributes, point.value]);
}

const policyOf = policyFor({ 'orders.oldest_age': 'min', 'queue.depth': 'sum' });

describe('merging the collections of a cluster', () => {
  it('sums counters point by point, by attributes', () => {
    const merged = mergeMembers(
      [
        member('1', [sum('http.client.requests', [[{ route: '/a' }, 3]])]),
        member('2', [sum('http.client.requests', [[{ route: '/a' }, 4], [{ route: '/b' }, 1]])]),
      ],
      policyOf,
    );
    expect(pointsOf(merged, 'http.client.requests')).toEqual([
      [{ route: '/a' }, 7],
      [{ route: '/b' }, 1],
    ]);
  });

  it('sums histogram buckets, sums and counts exactly and keeps the overall min and max', () => {
    const boundaries = [0.1, 1];
    const merged = mergeMembers(
      [
        member('1', [histogram('http.server.request.duration', { route: '/a' }, { buckets: { boundaries, counts: [2, 1, 0] }, sum: 0.75, count: 3, min: 0.05, max: 0.5 })]),
        member('2', [histogram('http.server.request.duration', { route: '/a' }, { buckets: { boundaries, counts: [1, 0, 2] }, sum: 4.5, count: 3, min: 0.01, max: 2.5 })]),
      ],
      policyOf,
    );
    expect(pointsOf(merged, 'http.server.request.duration')).toEqual([
      [{ route: '/a' }, { buckets: { boundaries, counts: [3, 1, 2] }, sum: 5.25, count: 6, min: 0.01, max: 2.5 }],
    ]);
  });

  it('merges gauges and up-down counters by their policy: sum, max, min and per worker', () => {
    const merged = mergeMembers(
      [
        member('primary', [sum('http.server.active_requests', [[{}, 0]], false), gauge('v8js.memory.heap.used', [[{ space: 'old' }, 100]])]),
        member('1', [
          sum('http.server.active_requests', [[{}, 2]], false),
          gauge('circuit_breaker.state', [[{ state: 'open' }, 0], [{ state: 'closed' }, 1]]),
          gauge('orders.oldest_age', [[{}, 30]]),
          gauge('v8js.memory.heap.used', [[{ space: 'old' }, 200]]),
        ]),
        member('2', [
          sum('http.server.active_requests', [[{}, 3]], false),
          gauge('circuit_breaker.state', [[{ state: 'open' }, 1], [{ state: 'closed' }, 0]]),
          gauge('orders.oldest_age', [[{}, 12]]),
          gauge('v8js.memory.heap.used', [[{ space: 'old' }, 300]]),
        ]),
      ],
      policyOf,
    );
    expect(pointsOf(merged, 'http.server.active_requests')).toEqual([[{}, 5]]);
    expect(pointsOf(merged, 'circuit_breaker.state')).toEqual([
      [{ state: 'open' }, 1],
      [{ state: 'closed' }, 1],
    ]);
    expect(pointsOf(merged, 'orders.oldest_age')).toEqual([[{}, 12]]);
    expect(pointsOf(merged, 'v8js.memory.heap.used')).toEqual([
      [{ space: 'old', [WORKER_ATTRIBUTE]: 'primary' }, 100],
      [{ space: 'old', [WORKER_ATTRIBUTE]: '1' }, 200],
      [{ space: 'old', [WORKER_ATTRIBUTE]: '2' }, 300],
    ]);
  });

  it('keeps each worker apart for a user gauge that names no policy, and sums one that names sum', () => {
    expect(DEFAULT_CLUSTER_AGGREGATION).toBe('per_worker');
    const merged = mergeMembers(
      [member('1', [gauge('pool.free', [[{}, 4]]), gauge('queue.depth', [[{}, 7]])]), member('2', [gauge('pool.free', [[{}, 6]]), gauge('queue.depth', [[{}, 8]])])],
      policyOf,
    );
    expect(pointsOf(merged, 'pool.free')).toEqual([
      [{ [WORKER_ATTRIBUTE]: '1' }, 4],
      [{ [WORKER_ATTRIBUTE]: '2' }, 6],
    ]);
    expect(pointsOf(merged, 'queue.depth')).toEqual([[{}, 15]]);
  });

  it('lets the catalogue policy win over a user setting for a catalogue metric', () => {
    const merged = mergeMembers(
      [member('1', [sum('http.server.active_requests', [[{}, 2]], false)]), member('2', [sum('http.server.active_requests', [[{}, 3]], false)])],
      policyFor({ 'http.server.active_requests': 'max' }),
    );
    expect(pointsOf(merged, 'http.server.active_requests')).toEqual([[{}, 5]]);
  });

  it('counts only the counters and histograms of an out-of-date member, never its gauges', () => {
    const merged = mergeMembers(
      [
        member('1', [sum('orders', [[{}, 10]]), sum('http.server.active_requests', [[{}, 1]], false)]),
        member('2', [sum('orders', [[{}, 5]]), sum('http.server.active_requests', [[{}, 4]], false), gauge('queue.depth', [[{}, 9]])], false),
      ],
      policyOf,
    );
    expect(pointsOf(merged, 'orders')).toEqual([[{}, 15]]);
    expect(pointsOf(merged, 'http.server.active_requests')).toEqual([[{}, 1]]);
    expect(pointsOf(merged, 'queue.depth')).toEqual([]);
  });

  it('does not change the members it merges', () => {
    const boundaries = [1];
    const first = member('1', [histogram('h', {}, { buckets: { boundaries, counts: [1, 0] }, sum: 0.5, count: 1 })]);
    mergeMembers([first, member('2', [histogram('h', {}, { buckets: { boundaries, counts: [0, 1] }, sum: 3, count: 1 })])], policyOf);
    expect(first.scopes[0]!.metrics[0]!.dataPoints[0]!.value).toEqual({ buckets: { boundaries, counts: [1, 0] }, sum: 0.5, count: 1 });
  });
});

describe('the wire form of a collection', () => {
  it('round-trips through JSON, non-finite numbers included', () => {
    const scopes: ScopeMetrics[] = [
      {
        scope: { name: 'promkit', version: '1.0.0' },
        metrics: [
          sum('orders', [[{ shop: 'a' }, 3]]),
          gauge('temperature', [[{}, Number.NEGATIVE_INFINITY], [{ probe: 'x' }, Number.NaN]]),
          histogram('h', { route: '/' }, { buckets: { boundaries: [1, 2], counts: [0, 0, 0] }, sum: 0, count: 0, min: Infinity, max: -Infinity }),
        ],
      },
    ];
    const travelled = fromWire(JSON.parse(JSON.stringify(toWire({ resource: undefined as never, scopeMetrics: scopes }))));
    expect(travelled).toEqual(scopes);
  });

  it('refuses a malformed collection', () => {
    expect(() => fromWire({ scopes: [{ name: 'x', metrics: [{ name: 'm', points: [{ attributes: {}, startTime: [1], endTime: [1, 0], value: 1 }] }] }] } as never)).toThrow(
      TypeError,
    );
    expect(() => fromWire({} as never)).toThrow('a collection needs scopes');
  });
});
