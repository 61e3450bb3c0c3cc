import { afterEach, beforeEach } from 'vitest';
import { createTestMetrics, type TestMetrics, type TestMetricsOptions } from '../../src/testing/index.js';

/**
 * The fixture the unit tests share: before each test of the file a fresh `createTestMetrics()`
 * (a facade on its own in-memory reader, manual clock) handed to `setup`, which keeps it and
 * builds what the file tests on it; after each test, its shutdown.
 */
export function useTestMetrics(setup: (t: TestMetrics) => void, options?: TestMetricsOptions): void {
  let current: TestMetrics | undefined;
  beforeEach(() => {
    current = createTestMetrics(options);
    setup(current);
  });
  afterEach(async () => {
    await current?.shutdown();
    current = undefined;
  });
}
