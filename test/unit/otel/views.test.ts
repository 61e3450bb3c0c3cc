import { AggregationType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, test } from 'vitest';
import { CATALOGUE } from '../../../src/catalogue/index.js';
import { HTTP_SERVER_REQUEST_DURATION, HTTP_SERVER_ACTIVE_REQUESTS } from '../../../src/catalogue/http.js';
import { GEN_AI_CLIENT_OPERATION_DURATION } from '../../../src/catalogue/llm.js';
import { InvalidDefinitionError } from '../../../src/errors.js';
import { prometheusName } from '../../../src/naming.js';
import { serialize } from '../../../src/exposition/serializer.js';
import { createMeterProvider } from '../../../src/otel/provider.js';
import { createPrometheusReader, type PrometheusReader } from '../../../src/otel/reader.js';
import { catalogueViews, resolveBoundaries } from '../../../src/otel/views.js';
import { parsePrometheusText } from '../../helpers/parse-prometheus.js';

let provider: MeterProvider | undefined;
afterEach(async () => {
  await provider?.shutdown();
  provider = undefined;
});

function setup(options: Parameters<typeof createMeterProvider>[0] extends infer O ? Omit<O & object, 'readers'> : never = {}): PrometheusReader {
  const reader = createPrometheusReader(options.cardinalityLimit !== undefined ? { cardinalityLimit: options.cardinalityLimit } : {});
  provider = createMeterProvider({ ...options, readers: [reader] });
  return reader;
}

async function scrape(reader: PrometheusReader) {
  const { resourceMetrics } = await reader.collect();
  return parsePrometheusText(serialize(resourceMetrics, { targetInfo: false }));
}

describe('views from the catalogue', () => {
  const histograms = CATALOGUE.filter((d) => d.kind === 'histogram');

  test('gives every catalogue histogram its explicit boundaries in the scrape (none falls back to the SDK defaults)', async () => {
    const reader = setup();
    const meter = provider!.getMeter('views-test');
    for (const definition of histograms) meter.createHistogram(definition.name, { unit: definition.unit }).record(0.5);
    const { samples } = await scrape(reader);
    expect(histograms.length).toBeGreaterThanOrEqual(14);
    for (const definition of histograms) {
      const bucketName = `${prometheusName(definition.name, definition.unit, 'histogram')}_bucket`;
      const les = samples.filter((s) => s.name === bucketName).map((s) => s.labels['le']);
      expect(les, definition.name).toEqual([...definition.boundaries!.map(String), '+Inf']);
    }
  });

  test('keeps only the declared attributes of a metric', async () => {
    const reader = setup();
    provider!
      .getMeter('views-test')
      .createUpDownCounter(HTTP_SERVER_ACTIVE_REQUESTS.name, { unit: HTTP_SERVER_ACTIVE_REQUESTS.unit })
      .add(2, { 'http.request.method': 'GET', 'url.scheme': 'http', 'url.full': 'http://x/users/42' });
    const { samples } = await scrape(reader);
    expect(samples.filter((s) => s.name === 'http_server_active_requests')).toEqual([
      { name: 'http_server_active_requests', labels: { http_request_method: 'GET', url_scheme: 'http' }, value: 2 },
    ]);
  });

  test('sends label sets past the cardinality limit to one visible overflow series', async () => {
    const reader = setup({ cardinalityLimit: 3 });
    const histogram = provider!.getMeter('views-test').createHistogram(HTTP_SERVER_REQUEST_DURATION.name, { unit: 's' });
    for (const status of [200, 201, 202, 203, 204]) histogram.record(0.1, { 'http.response.status_code': status });
    const { samples } = await scrape(reader);
    const counts = samples.filter((s) => s.name === 'http_server_request_duration_seconds_count');
    expect(counts).toEqual([
      { name: 'http_server_request_duration_seconds_count', labels: { http_response_status_code: '200' }, value: 1 },
      { name: 'http_server_request_duration_seconds_count', labels: { http_response_status_code: '201' }, value: 1 },
      { name: 'http_server_request_duration_seconds_count', labels: { otel_metric_overflow: 'true' }, value: 3 },
    ]);
  });

  test('applies the same cardinality limit to metrics no view covers', async () => {
    const reader = setup({ cardinalityLimit: 2 });
    const counter = provider!.getMeter('views-test').createCounter('orders.placed');
    for (const region of ['eu', 'us', 'ap']) counter.add(1, { region });
    const { samples } = await scrape(reader);
    expect(samples.filter((s) => s.name === 'orders_placed_total').map((s) => [s.labels, s.value])).toEqual([
      [{ region: 'eu' }, 1],
      [{ otel_metric_overflow: 'true' }, 2],
    ]);
  });

  test('replaces a histogram boundary list with a full override', async () => {
    const reader = setup({ buckets: { 'http.server.request.duration': [0.05, 0.1, 0.2] } });
    provider!.getMeter('views-test').createHistogram('http.server.request.duration', { unit: 's' }).record(0.15);
    const { samples } = await scrape(reader);
    const buckets = samples.filter((s) => s.name === 'http_server_request_duration_seconds_bucket');
    expect(buckets.map((s) => [s.labels['le'], s.value])).toEqual([
      ['0.05', 0],
      ['0.1', 0],
      ['0.2', 1],
      ['+Inf', 1],
    ]);
  });

  test('merges SLO boundaries into the catalogue list, sorted and without duplicates', () => {
    expect(resolveBoundaries(GEN_AI_CLIENT_OPERATION_DURATION, { slo: [3, 0.32, 15] })).toEqual([
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 3, 5.12, 10.24, 15, 20.48, 40.96, 81.92,
    ]);
  });

  test('rejects an unsorted override, naming the metric and the value', () => {
    expect(() => catalogueViews({ buckets: { 'http.server.request.duration': [0.1, 0.05] } })).toThrow(
      new InvalidDefinitionError(
        'http.server.request.duration',
        'bucket override: bucket boundaries must increase strictly: 0.1 is followed by 0.05 at index 1',
      ),
    );
  });

  test('rejects a non-finite SLO boundary', () => {
    expect(() => catalogueViews({ buckets: { 'gen_ai.client.operation.duration': { slo: [Infinity] } } })).toThrow(
      'Invalid metric definition for "gen_ai.client.operation.duration": SLO boundaries: bucket boundary Infinity at index 0 is not a finite number',
    );
  });

  test('rejects an override for a metric that is not in the catalogue', () => {
    expect(() => catalogueViews({ buckets: { 'http.server.duration': [1] } })).toThrow(
      'Invalid metric definition for "http.server.duration": bucket override for a metric that is not in the catalogue',
    );
  });

  test('rejects an override for a metric that is not a histogram', () => {
    expect(() => catalogueViews({ buckets: { 'cache.hits': [1] } })).toThrow(
      'Invalid metric definition for "cache.hits": bucket override for a counter; only histograms have buckets',
    );
  });

  test('rejects a cardinality limit below 1', () => {
    expect(() => catalogueViews({ cardinalityLimit: 0 })).toThrow('cardinality limit 0 must be a positive integer');
  });

  test('makes one view per catalogue entry, and one for the native-histogram meter', () => {
    const views = catalogueViews();
    expect(views).toHaveLength(CATALOGUE.length + 1);
    expect(views.at(-1)).toMatchObject({ meterName: 'promkit.native', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } });
  });

  test('leaves out the explicit-bucket view of a native catalogue histogram, and refuses a name that is not one', () => {
    const views = catalogueViews({ nativeHistograms: ['http.server.request.duration'] });
    expect(views.filter((view) => view.instrumentName === 'http.server.request.duration')).toEqual([]);
    expect(views).toHaveLength(CATALOGUE.length);
    expect(() => catalogueViews({ nativeHistograms: ['http.server.active_requests'] })).toThrow(/not a catalogue histogram/);
  });
});
