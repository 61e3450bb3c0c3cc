import { DataPointType, MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, test } from 'vitest';
import { HTTP_SERVER_REQUEST_DURATION } from '../../../src/catalogue/http.js';
import { resolveConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { createMetrics } from '../../../src/facade/metrics.js';
import { PrometheusReader } from '../../../src/otel/reader.js';
import { catalogueViews, nativeClassicBoundaries } from '../../../src/otel/views.js';

function streams(resourceMetrics: ResourceMetrics, name: string) {
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.filter((m) => m.descriptor.name === name).map((m) => ({ scope: scope.scope.name, type: m.dataPointType, points: m.dataPoints })),
  ).sort((a, b) => (a.scope < b.scope ? -1 : 1));
}

function setup(nativeHistograms: readonly string[] = []) {
  const reader = new PrometheusReader();
  const provider = new MeterProvider({ readers: [reader], views: catalogueViews({ nativeHistograms }) });
  const metrics = createMetrics({ meterProvider: provider, nativeHistograms: nativeClassicBoundaries(nativeHistograms) });
  return { metrics, collect: async () => (await reader.collect()).resourceMetrics };
}

describe('native histograms in the facade', () => {
  test('a catalogue histogram made native records once into a classic stream (catalogue buckets) and once into a native one', async () => {
    const { metrics, collect } = setup([HTTP_SERVER_REQUEST_DURATION.name]);
    metrics.http.recordServerRequest({ method: 'GET', route: '/a', statusCode: 200, durationS: 0.2 });
    const found = streams(await collect(), HTTP_SERVER_REQUEST_DURATION.name);
    expect(found.map((s) => [s.scope, s.type])).toEqual([
      ['promkit', DataPointType.HISTOGRAM],
      ['promkit.native', DataPointType.EXPONENTIAL_HISTOGRAM],
    ]);
    const classic = found[0]?.points[0]?.value as { count: number; buckets: { boundaries: number[] } };
    expect(classic.count).toBe(1);
    expect(classic.buckets.boundaries).toEqual([...(HTTP_SERVER_REQUEST_DURATION.boundaries ?? [])]);
    expect((found[1]?.points[0]?.value as { count: number }).count).toBe(1);
  });

  test('a user histogram with native: true and no buckets is native only; with buckets it keeps classic ones', async () => {
    const { metrics, collect } = setup();
    metrics.histogram({ name: 'native.only', description: 'Native only.', native: true }).record(1);
    metrics.histogram({ name: 'native.both', description: 'Both.', buckets: [1], native: true }).record(1);
    const resourceMetrics = await collect();
    expect(streams(resourceMetrics, 'native.only').map((s) => s.type)).toEqual([DataPointType.EXPONENTIAL_HISTOGRAM]);
    expect(streams(resourceMetrics, 'native.both').map((s) => s.type)).toEqual([DataPointType.HISTOGRAM, DataPointType.EXPONENTIAL_HISTOGRAM]);
  });

  test('nativeHistograms names catalogue histograms only (option and environment)', () => {
    expect(resolveConfig({ nativeHistograms: ['http.server.request.duration'] }).nativeHistograms).toEqual(['http.server.request.duration']);
    expect(resolveConfig({}, { PROMKIT_NATIVE_HISTOGRAMS: 'http.server.request.duration, db.client.operation.duration' }).nativeHistograms).toEqual([
      'http.server.request.duration',
      'db.client.operation.duration',
    ]);
    expect(() => resolveConfig({ nativeHistograms: ['http.server.active_requests'] })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { PROMKIT_NATIVE_HISTOGRAMS: 'orders.total' })).toThrow(/PROMKIT_NATIVE_HISTOGRAMS.*not a catalogue histogram/);
  });
});
