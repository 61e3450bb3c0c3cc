import { describe, expect, test } from 'vitest';
import { needsLoaderHook, resolveConfig } from '../../src/config.js';

describe('resolveConfig', () => {
  test('defaults to localhost:9464/metrics with suffixes and target_info on, scope labels off', () => {
    expect(resolveConfig({}, {})).toMatchObject({
      host: 'localhost',
      port: 9464,
      endpoint: '/metrics',
      disabled: false,
      resourceAttributes: {},
      unitSuffixes: true,
      scopeLabels: false,
      targetInfo: true,
      cardinalityLimit: undefined,
      buckets: {},
      instrumentHttp: true,
      httpServerSource: 'diagnostics_channel',
      httpClientSource: 'diagnostics_channel',
      normalizeRoute: undefined,
      instrumentFetch: true,
      runtimeMetrics: 'otel',
      auth: { kind: 'none' },
      health: { windowSeconds: 300, minCalls: 20, yellow: 0.05, red: 0.1 },
    });
  });

  test('runtime metric names: booleans, the four selections, PROMKIT_RUNTIME_METRICS, option over environment', () => {
    expect(resolveConfig({ runtimeMetrics: true }, {}).runtimeMetrics).toBe('otel');
    expect(resolveConfig({ runtimeMetrics: false }, {}).runtimeMetrics).toBe('off');
    expect(resolveConfig({ runtimeMetrics: 'both' }, {}).runtimeMetrics).toBe('both');
    expect(resolveConfig({}, { PROMKIT_RUNTIME_METRICS: 'prom-client' }).runtimeMetrics).toBe('prom-client');
    expect(resolveConfig({}, { PROMKIT_RUNTIME_METRICS: ' OFF ' }).runtimeMetrics).toBe('off');
    expect(resolveConfig({ runtimeMetrics: 'otel' }, { PROMKIT_RUNTIME_METRICS: 'off' }).runtimeMetrics).toBe('otel');
    expect(() => resolveConfig({}, { PROMKIT_RUNTIME_METRICS: 'prometheus' })).toThrow(
      'PROMKIT_RUNTIME_METRICS: "prometheus" is not one of "otel", "prom-client", "both", "off"',
    );
    // @ts-expect-error: the type already refuses it; the check guards plain JavaScript callers.
    expect(() => resolveConfig({ runtimeMetrics: 'all' }, {})).toThrow('runtimeMetrics: "all" is not one of');
  });

  test('rejects an unknown HTTP server source, listing the allowed ones', () => {
    // @ts-expect-error: the type already refuses it; the check guards plain JavaScript callers.
    expect(() => resolveConfig({ httpServerSource: 'express' }, {})).toThrow(
      'httpServerSource: "express" is not one of "diagnostics_channel", "instrumentation-http"',
    );
  });

  test('takes the HTTP sources from PROMKIT_HTTP_*_SOURCE unless options set them, naming the variable on a bad value', () => {
    const env = { PROMKIT_HTTP_SERVER_SOURCE: 'instrumentation-http', PROMKIT_HTTP_CLIENT_SOURCE: 'instrumentation-http' };
    expect(resolveConfig({}, env)).toMatchObject({ httpServerSource: 'instrumentation-http', httpClientSource: 'instrumentation-http' });
    expect(resolveConfig({ httpClientSource: 'diagnostics_channel' }, env).httpClientSource).toBe('diagnostics_channel');
    expect(() => resolveConfig({}, { PROMKIT_HTTP_CLIENT_SOURCE: 'undici' })).toThrow(
      'PROMKIT_HTTP_CLIENT_SOURCE: "undici" is not one of "diagnostics_channel", "instrumentation-http"',
    );
  });

  test('asks for the ESM loader hook only when instrumentation-http is a chosen source', () => {
    expect(needsLoaderHook(resolveConfig({}, {}))).toBe(false);
    expect(needsLoaderHook(resolveConfig({ httpServerSource: 'instrumentation-http' }, {}))).toBe(true);
    expect(needsLoaderHook(resolveConfig({ httpClientSource: 'instrumentation-http' }, {}))).toBe(true);
    expect(needsLoaderHook(resolveConfig({ httpClientSource: 'instrumentation-http', instrumentHttp: false }, {}))).toBe(false);
    expect(needsLoaderHook(resolveConfig({ httpClientSource: 'instrumentation-http', disabled: true }, {}))).toBe(false);
  });

  test('reads the standard OTEL_* variables', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
        OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.2.3,deployment.environment.name=prod%20eu',
        OTEL_SDK_DISABLED: 'TRUE',
      },
    );
    expect(config.host).toBe('0.0.0.0');
    expect(config.port).toBe(9100);
    expect(config.disabled).toBe(true);
    expect(config.resourceAttributes).toEqual({
      'service.name': 'checkout',
      'service.version': '1.2.3',
      'deployment.environment.name': 'prod eu',
    });
  });

  test('lets options win over the environment, including port 0 and falsy values', () => {
    const config = resolveConfig(
      { port: 0, host: '127.0.0.1', serviceName: 'api', disabled: false },
      { OTEL_EXPORTER_PROMETHEUS_PORT: '9100', OTEL_SERVICE_NAME: 'other', OTEL_SDK_DISABLED: 'true' },
    );
    expect(config).toMatchObject({ port: 0, host: '127.0.0.1', disabled: false });
    expect(config.resourceAttributes['service.name']).toBe('api');
  });

  test('rejects an OTEL_SDK_DISABLED value that is not a boolean', () => {
    expect(() => resolveConfig({}, { OTEL_SDK_DISABLED: 'yes' })).toThrow('OTEL_SDK_DISABLED: "yes" is not a boolean; set "true" or "false"');
  });

  test('rejects a malformed OTEL_RESOURCE_ATTRIBUTES pair', () => {
    expect(() => resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.version' })).toThrow(
      'OTEL_RESOURCE_ATTRIBUTES: "service.version" is not key=value',
    );
  });

  test('treats empty variables as unset', () => {
    const config = resolveConfig({}, { OTEL_EXPORTER_PROMETHEUS_PORT: '', OTEL_EXPORTER_PROMETHEUS_HOST: ' ', OTEL_SDK_DISABLED: '' });
    expect(config).toMatchObject({ port: 9464, host: 'localhost', disabled: false });
  });
});
