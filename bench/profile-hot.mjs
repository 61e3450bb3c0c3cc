// A focused workload for `bench/profile.mjs` (run under --cpu-prof): one hot-path case or the
// promkit scrape of 10k pairs, repeated long enough for the profile to be mostly steady state.
//   node --cpu-prof bench/profile-hot.mjs --case=facade-add|facade-record|raw-record|scrape
import { serialize } from '../dist/src/exposition/serializer.js';
import { createMetrics } from '../dist/src/facade/metrics.js';
import { createMeterProvider } from '../dist/src/otel/provider.js';
import { createPrometheusReader } from '../dist/src/otel/reader.js';
import { BOUNDARIES, LABEL_KEYS, durations, flag, labelSets, populateOtel, rawOtel } from './fixtures.mjs';

const which = flag(process.argv, 'case', 'facade-record');
const L = labelSets(128);
const V = durations(1024);
const OPS = 3_000_000;

if (which === 'scrape') {
  const reader = createPrometheusReader();
  const meterProvider = createMeterProvider({ readers: [reader] });
  populateOtel(meterProvider.getMeter('bench'), 10_000);
  let bytes = 0;
  for (let i = 0; i < 40; i++) bytes += serialize((await reader.collect()).resourceMetrics).length;
  console.log(`40 scrapes, ${bytes} chars`);
} else {
  const { meter, meterProvider } = rawOtel();
  const facade = createMetrics({ meterProvider });
  const fc = facade.counter({ name: 'bench.requests', description: 'Bench requests.', labels: LABEL_KEYS });
  const fh = facade.histogram({ name: 'bench.duration', description: 'Bench durations.', unit: 's', labels: LABEL_KEYS, buckets: BOUNDARIES });
  const oh = meter.createHistogram('raw.duration', { unit: 's', advice: { explicitBucketBoundaries: BOUNDARIES } });
  const start = performance.now();
  if (which === 'facade-add') for (let i = 0; i < OPS; i++) fc.add(1, L[i & 127]);
  else if (which === 'facade-record') for (let i = 0; i < OPS; i++) fh.record(V[i & 1023], L[i & 127]);
  else if (which === 'raw-record') for (let i = 0; i < OPS; i++) oh.record(V[i & 1023], L[i & 127]);
  else throw new Error(`unknown --case=${which}`);
  console.log(`${which}: ${(((performance.now() - start) * 1e6) / OPS).toFixed(0)} ns/op over ${OPS} ops`);
}
