/**
 * Circuit-breaker metrics. No semantic convention exists; the shape follows resilience4j
 * (calls by outcome, state, transitions, failure rate) in the conventions' naming style, so
 * the opossum adapter and any hand-rolled breaker report the same series.
 */
import { BUCKET_PRESETS } from './buckets.js';
import { defineMetric, type MetricDefinition } from './types.js';

/** Values of `circuit_breaker.outcome`: a rejected call never reached the protected function. */
export const BREAKER_OUTCOMES = ['success', 'failure', 'timeout', 'rejected', 'fallback'] as const;
/** Values of `circuit_breaker.state`, `from_state` and `to_state`. */
export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

export const CIRCUIT_BREAKER_CALL_DURATION = defineMetric({
  name: 'circuit_breaker.call.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of calls through a circuit breaker, by outcome.',
  attributes: ['circuit_breaker.name', 'circuit_breaker.outcome'],
  boundaries: BUCKET_PRESETS.breaker_call,
  domain: 'circuit_breaker',
  source: 'promkit',
});

/**
 * One series per state, 1 for the current one and 0 for the others, so that alerting on an
 * open breaker is the one-liner `circuit_breaker_state{circuit_breaker_state="open"} == 1`.
 */
export const CIRCUIT_BREAKER_STATE = defineMetric({
  name: 'circuit_breaker.state',
  kind: 'gauge',
  unit: '{state}',
  description: 'Whether the circuit breaker is in the given state, as 1 for the current state and 0 otherwise.',
  attributes: ['circuit_breaker.name', 'circuit_breaker.state'],
  domain: 'circuit_breaker',
  source: 'promkit',
  clusterAggregation: 'max',
});

export const CIRCUIT_BREAKER_TRANSITIONS = defineMetric({
  name: 'circuit_breaker.transitions',
  kind: 'counter',
  unit: '{transition}',
  description: 'Number of state changes of the circuit breaker, by previous and next state.',
  attributes: ['circuit_breaker.name', 'circuit_breaker.from_state', 'circuit_breaker.to_state'],
  domain: 'circuit_breaker',
  source: 'promkit',
});

/**
 * Read at collection time, so it follows the window as it slides: with no calls left in the
 * window it reads 0 rather than holding its last value (an idle breaker must not keep a
 * failure-rate alert firing). No series before the breaker's first success or failure.
 */
export const CIRCUIT_BREAKER_FAILURE_RATE = defineMetric({
  name: 'circuit_breaker.failure_rate',
  kind: 'observable_gauge',
  unit: '1',
  description: 'Share of failed calls over the circuit breaker window, from 0 to 1; 0 when the window holds no calls.',
  attributes: ['circuit_breaker.name'],
  domain: 'circuit_breaker',
  source: 'promkit',
  clusterAggregation: 'max',
});

/**
 * 1 for a breaker whose dependency the service cannot work without, 0 otherwise; set once when
 * the breaker is created. A series of its own rather than a label on the other breaker series,
 * so criticality adds one series per breaker and no label to every query; `/metrics/health`
 * reads it to decide whether an open breaker answers 503, and alert rules can join on it.
 */
export const CIRCUIT_BREAKER_CRITICAL = defineMetric({
  name: 'circuit_breaker.critical',
  kind: 'gauge',
  unit: '{breaker}',
  description: 'Whether the circuit breaker guards a dependency the service cannot work without: 1 for critical, 0 otherwise.',
  attributes: ['circuit_breaker.name'],
  domain: 'circuit_breaker',
  source: 'promkit',
  clusterAggregation: 'max',
});

export const CIRCUIT_BREAKER_METRICS: readonly MetricDefinition[] = Object.freeze([
  CIRCUIT_BREAKER_CALL_DURATION,
  CIRCUIT_BREAKER_STATE,
  CIRCUIT_BREAKER_TRANSITIONS,
  CIRCUIT_BREAKER_FAILURE_RATE,
  CIRCUIT_BREAKER_CRITICAL,
]);
