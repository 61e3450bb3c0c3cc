/**
 * The OTel metrics API has no proxy provider, so instruments made on the global no-op provider
 * stay no-ops; rebind() moves every facade instrument (and its bound handles and callbacks) to
 * the provider installed later.
 */
import { metrics } from '@opentelemetry/api';
import { afterEach, expect, test } from 'vitest';
import { createFacadeCore } from '../../../src/record/core.js';
import { createMeterProvider } from '../../../src/otel/provider.js';
import { createPrometheusReader } from '../../../src/otel/reader.js';
import { readHistogram, readValue } from '../../../src/testing/read.js';

function sdk() {
  const reader = createPrometheusReader();
  const provider = createMeterProvider({ readers: [reader] });
  const collect = async () => (await reader.collect()).resourceMetrics;
  return { reader, provider, collect };
}

afterEach(() => {
  metrics.disable();
});

test('instruments defined on the global no-op provider record after rebind() to the installed one', async () => {
  metrics.disable(); // the global provider is the API's no-op
  const core = createFacadeCore();
  const counter = core.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['k'] });
  const bound = counter.bind({ k: 'bound' });
  const histogram = core.histogram({ name: 'job.duration', description: 'Jobs.', unit: 's', buckets: [1] });
  let observed = 0;
  core.observableGauge({ name: 'queue.depth', description: 'Queue depth.' }, (r) => {
    observed++;
    r.observe(6);
  });
  counter.add(100); // lost: nothing is installed yet
  bound.add(100); // kept: a bound handle's cell owns its value and reports it once a provider exists

  const installed = sdk();
  metrics.setGlobalMeterProvider(installed.provider);
  core.rebind();

  counter.add(2);
  bound.add(3);
  histogram.record(0.5);
  counter.add(Number.NaN);
  const collected = await installed.collect();
  expect(readValue(collected, 'orders.placed')).toBe(2);
  expect(readValue(collected, 'orders.placed', { k: 'bound' })).toBe(103);
  expect(readHistogram(collected, 'job.duration')?.sum).toBe(0.5);
  expect(readValue(collected, 'queue.depth')).toBe(6);
  expect(observed).toBe(1);
  expect(readValue(collected, 'promkit.measurements.dropped', { 'promkit.metric': 'orders.placed', 'promkit.reason': 'not_a_number' })).toBe(1);
  expect(core.counter({ name: 'orders.placed', description: 'Orders placed.', labels: ['k'] })).toBe(counter);
  await installed.provider.shutdown();
});

test('rebind(provider) moves recording and observable callbacks from one provider to another', async () => {
  const first = sdk();
  const second = sdk();
  const core = createFacadeCore({ meterProvider: first.provider });
  const counter = core.counter({ name: 'orders.placed', description: 'Orders placed.' });
  let calls = 0;
  core.observableGauge({ name: 'queue.depth', description: 'Queue depth.' }, (r) => {
    calls++;
    r.observe(calls);
  });
  counter.add(1);
  expect(readValue(await first.collect(), 'orders.placed')).toBe(1);
  expect(calls).toBe(1);

  core.rebind(second.provider);
  counter.add(5);
  expect(readValue(await second.collect(), 'orders.placed')).toBe(5);
  expect(calls).toBe(2);
  expect(readValue(await first.collect(), 'orders.placed')).toBe(1); // the old provider no longer receives
  expect(calls).toBe(2); // and no longer calls back
  await Promise.all([first.provider.shutdown(), second.provider.shutdown()]);
});
