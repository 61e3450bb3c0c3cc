import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { resolve } from '../../../src/server/resolve.js';

describe('the scrape endpoint\'s options', () => {
  test('accepts port 0 from the environment (any free port)', () => {
    expect(resolve({}, { OTEL_EXPORTER_PROMETHEUS_PORT: '0' }).port).toBe(0);
  });

  test('rejects a non-numeric port variable, naming it and what to set', () => {
    expect(() => resolve({}, { OTEL_EXPORTER_PROMETHEUS_PORT: '94a' })).toThrow(
      new ConfigError('OTEL_EXPORTER_PROMETHEUS_PORT', '"94a" is not a port number; set an integer from 0 to 65535 (0 picks a free port)'),
    );
  });

  test('rejects a port option out of range', () => {
    expect(() => resolve({ port: 70000 }, {})).toThrow('port: 70000 is not a port number; use an integer from 0 to 65535');
  });

  test('rejects an endpoint that does not start with a slash', () => {
    expect(() => resolve({ endpoint: 'metrics' }, {})).toThrow('endpoint: "metrics" must start with "/"');
  });

  test('takes the host from OTEL_EXPORTER_PROMETHEUS_HOST, localhost by default, an empty variable as unset', () => {
    expect(resolve({}, {}).host).toBe('localhost');
    expect(resolve({}, { OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(resolve({}, { OTEL_EXPORTER_PROMETHEUS_HOST: ' ' }).host).toBe('localhost');
  });
});
