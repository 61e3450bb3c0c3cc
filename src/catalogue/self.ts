/**
 * promkit's metrics about itself. Recording never throws, so a refused measurement would be
 * invisible without this counter; it is the signal that an instrumentation call site is wrong.
 */
import { defineMetric, type MetricDefinition } from './types.js';

export const PROMKIT_MEASUREMENTS_DROPPED = defineMetric({
  name: 'promkit.measurements.dropped',
  kind: 'counter',
  unit: '{measurement}',
  description: 'Number of measurements the facade refused (bad value or label) instead of recording them.',
  attributes: ['promkit.metric', 'promkit.reason'],
  domain: 'promkit',
  source: 'promkit',
});

/**
 * Cluster mode: a worker left out of one collection by the primary, because it did not answer by
 * the scrape deadline (`timeout`), answered with an error or an unreadable reply (`error`), or
 * could not be asked or left mid-collection (`unreachable`). Its counters and histograms are
 * still served from its last answer, so sums never drop; its gauges are missing from that scrape.
 */
export const PROMKIT_CLUSTER_WORKERS_MISSED = defineMetric({
  name: 'promkit.cluster.workers.missed',
  kind: 'counter',
  unit: '{worker}',
  description: 'Number of times a cluster worker was left out of a collection because it did not answer in time or at all.',
  attributes: ['promkit.reason'],
  domain: 'promkit',
  source: 'promkit',
});

/**
 * Pushing never blocks the app, so what could not be pushed is given up on: counted here so that
 * a store that is down, or refuses what it is sent, shows up in the scrape (or the next push).
 */
export const PROMKIT_PUSH_DROPPED = defineMetric({
  name: 'promkit.push.dropped',
  kind: 'counter',
  unit: '{sample}',
  description: 'Number of samples promkit gave up pushing (queue full, refused by the receiver, or undelivered at shutdown).',
  attributes: ['promkit.push.destination', 'promkit.reason'],
  domain: 'promkit',
  source: 'promkit',
});

export const PROMKIT_METRICS: readonly MetricDefinition[] = Object.freeze([PROMKIT_MEASUREMENTS_DROPPED, PROMKIT_CLUSTER_WORKERS_MISSED, PROMKIT_PUSH_DROPPED]);
