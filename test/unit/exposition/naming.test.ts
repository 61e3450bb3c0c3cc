import { describe, expect, it } from 'vitest';
import { prometheusLabelName, prometheusName, unitSuffix } from '../../../src/naming.js';

describe('prometheusName', () => {
  it.each([
    ['http.server.request.duration', 's', 'histogram', 'http_server_request_duration_seconds'],
    ['cache.hits', '{request}', 'counter', 'cache_hits_total'],
    ['http.server.request.body.size', 'By', 'histogram', 'http_server_request_body_size_bytes'],
    ['nodejs.eventloop.utilization', '1', 'gauge', 'nodejs_eventloop_utilization_ratio'],
    ['jobs.done', '1', 'counter', 'jobs_done_total'],
    ['process.cpu.time', 's', 'counter', 'process_cpu_time_seconds_total'],
    ['foo_seconds', 's', 'histogram', 'foo_seconds'],
    ['foo.total', '', 'counter', 'foo_total'],
    ['foo_total', 's', 'counter', 'foo_seconds_total'],
    ['net.io', 'By/s', 'gauge', 'net_io_bytes_per_second'],
    ['requests.rate', '{request}/min', 'gauge', 'requests_rate_per_min'],
    ['disk.read', 'KiBy', 'counter', 'disk_read_kibibytes_total'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['cpu.usage', '%', 'gauge', 'cpu_usage_percent'],
    ['gen_ai.client.token.usage', '{token}', 'histogram', 'gen_ai_client_token_usage'],
    ['odd.unit', 'widgets', 'gauge', 'odd_unit_widgets'],
    ['odd.unit', 'sq-ft', 'gauge', 'odd_unit_sq_ft'],
    ['2xx.responses', '', 'counter', '_2xx_responses_total'],
    ['a..b--c', '', 'gauge', 'a_b_c'],
    ['dist', 'm/s', 'gauge', 'dist_meters_per_second'],
  ] as const)('%s [%s] %s → %s', (name, unit, kind, expected) => {
    expect(prometheusName(name, unit, kind)).toBe(expected);
  });

  it('keeps _total but drops unit suffixes when unitSuffixes is false', () => {
    expect(prometheusName('process.cpu.time', 's', 'counter', { unitSuffixes: false })).toBe('process_cpu_time_total');
    expect(prometheusName('http.server.request.duration', 's', 'histogram', { unitSuffixes: false })).toBe(
      'http_server_request_duration',
    );
    expect(prometheusName('nodejs.eventloop.utilization', '1', 'gauge', { unitSuffixes: false })).toBe(
      'nodejs_eventloop_utilization',
    );
  });

  it('memoises per option: the same inputs with and without suffixes do not collide', () => {
    expect(prometheusName('x.duration', 's', 'histogram')).toBe('x_duration_seconds');
    expect(prometheusName('x.duration', 's', 'histogram', { unitSuffixes: false })).toBe('x_duration');
    expect(prometheusName('x.duration', 's', 'histogram')).toBe('x_duration_seconds');
  });
});

describe('unitSuffix', () => {
  it('maps per-units to singular words', () => {
    expect(unitSuffix('By/s', 'gauge')).toBe('bytes_per_second');
    expect(unitSuffix('{packet}/s', 'gauge')).toBe('per_second');
    expect(unitSuffix('1/h', 'gauge')).toBe('per_hour');
    expect(unitSuffix('{token}', 'gauge')).toBe('');
    expect(unitSuffix('1', 'histogram')).toBe('');
  });
});

describe('prometheusLabelName', () => {
  it.each([
    ['http.request.method', 'http_request_method'],
    ['1abc', 'key_1abc'],
    ['__reserved', 'key__reserved'],
    ['_single', '_single'],
    ['already_fine', 'already_fine'],
    ['server-address', 'server_address'],
    ['otel.metric.overflow', 'otel_metric_overflow'],
  ])('%s → %s', (key, expected) => {
    expect(prometheusLabelName(key)).toBe(expected);
  });
});
