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

export const CIRCUIT_BREAKER_FAILURE_RATE = defineMetric({
  name: 'circuit_breaker.failure_rate',
  kind: 'gauge',
  unit: '1',
  description: 'Share of failed calls over the circuit breaker window, from 0 to 1.',
  attributes: ['circuit_breaker.name'],
  domain: 'circuit_breaker',
  source: 'promkit',
});

export const CIRCUIT_BREAKER_METRICS: readonly MetricDefinition[] = Object.freeze([
  CIRCUIT_BREAKER_CALL_DURATION,
  CIRCUIT_BREAKER_STATE,
  CIRCUIT_BREAKER_TRANSITIONS,
  CIRCUIT_BREAKER_FAILURE_RATE,
]);
