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

export const PROMKIT_METRICS: readonly MetricDefinition[] = Object.freeze([PROMKIT_MEASUREMENTS_DROPPED, PROMKIT_PUSH_DROPPED]);
