// What every bench section shares: the label sets, bucket boundaries and values recorded, and
// the ways to hold metrics (promkit over the SDK, raw OTel, prom-client, @prometheus-io/client)
// populated alike.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import client from 'prom-client';

/** Three labels, valid in OTel, promkit and Prometheus alike. */
export const LABEL_KEYS = ['method', 'route', 'status'];

/** Twelve explicit bucket boundaries, in seconds. */
export const BOUNDARIES = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Series per metric in the scrape fixtures: below every cardinality limit (2000 by default). */
export const SERIES_PER_METRIC = 1000;

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = ['200', '201', '204', '400', '404', '500'];

/**
 * `count` distinct label sets (fresh objects, fresh string values). `group` makes the routes of
 * one metric differ from every other metric's, as in a real app, so no label object or value
 * string is shared between metrics (sharing flatters heap per series and the first scrape).
 */
export function labelSets(count, group = 0) {
  const sets = [];
  for (let i = 0; i < count; i++) {
    sets.push({ method: METHODS[i % METHODS.length], route: `/api/g${group}/resource_${Math.floor(i / 24)}`, status: STATUSES[(i >> 2) % STATUSES.length] });
  }
  return sets;
}

/** A deterministic pseudo-random generator (mulberry32), so every run records the same data. */
export function prng(seed = 42) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` durations spread log-uniformly over 1 ms .. 40 s, so every bucket gets some. */
export function durations(count, seed = 7) {
  const random = prng(seed);
  return Array.from({ length: count }, () => 0.001 * Math.pow(40000, random()));
}

/** A pull reader that exports nothing: what a Prometheus exporter is before its server. */
class PullReader extends MetricReader {
  onForceFlush() {
    return Promise.resolve();
  }
  onShutdown() {
    return Promise.resolve();
  }
}

/** The raw OpenTelemetry setup: a MeterProvider with one pull reader (`metricProducers` for promkit's cells). */
export function rawOtel({ metricProducers } = {}) {
  const reader = new PullReader(metricProducers === undefined ? {} : { metricProducers });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { reader, meterProvider, meter: meterProvider.getMeter('bench') };
}

/**
 * Creates `pairs` counter + histogram series over `meter` (1000 series per metric), records a few
 * values into each, and returns the instrument count. Names are the same for every implementation.
 */
export function populateOtel(meter, pairs) {
  const values = durations(64);
  const groups = Math.ceil(pairs / SERIES_PER_METRIC);
  for (let g = 0; g < groups; g++) {
    const sets = labelSets(Math.min(pairs, SERIES_PER_METRIC), g);
    const counter = meter.createCounter(`bench.requests.g${g}`, { description: 'Bench requests.' });
    const histogram = meter.createHistogram(`bench.duration.g${g}`, {
      description: 'Bench durations.',
      unit: 's',
      advice: { explicitBucketBoundaries: BOUNDARIES },
    });
    const inGroup = Math.min(SERIES_PER_METRIC, pairs - g * SERIES_PER_METRIC);
    for (let i = 0; i < inGroup; i++) {
      const labels = sets[i];
      counter.add(1 + (i % 5), labels);
      for (let k = 0; k < 3; k++) histogram.record(values[(i * 3 + k) % values.length], labels);
    }
  }
  return groups * 2;
}

/** The same data in a prom-client registry of its own (`lib`: prom-client or @prometheus-io/client, same API). */
export function populatePromClient(registry, pairs, lib = client) {
  const values = durations(64);
  const groups = Math.ceil(pairs / SERIES_PER_METRIC);
  for (let g = 0; g < groups; g++) {
    const sets = labelSets(Math.min(pairs, SERIES_PER_METRIC), g);
    const counter = new lib.Counter({ name: `bench_requests_g${g}_total`, help: 'Bench requests.', labelNames: LABEL_KEYS, registers: [registry] });
    const histogram = new lib.Histogram({
      name: `bench_duration_g${g}_seconds`,
      help: 'Bench durations.',
      labelNames: LABEL_KEYS,
      buckets: BOUNDARIES,
      registers: [registry],
    });
    const inGroup = Math.min(SERIES_PER_METRIC, pairs - g * SERIES_PER_METRIC);
    for (let i = 0; i < inGroup; i++) {
      const labels = sets[i];
      counter.inc(labels, 1 + (i % 5));
      for (let k = 0; k < 3; k++) histogram.observe(labels, values[(i * 3 + k) % values.length]);
    }
  }
  return groups * 2;
}

/** Reads a `--name=value` flag from argv. */
export function flag(argv, name, fallback) {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
}
