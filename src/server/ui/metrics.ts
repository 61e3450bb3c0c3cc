/**
 * The metrics the `/metrics/ui` page draws in its domain sections: it asks `/metrics/json` and
 * its history for these by name, and the history keeps them before any other (see `history.ts`).
 */
export const UI_METRICS: readonly string[] = Object.freeze([
  'http.server.request.duration',
  'gen_ai.client.operation.duration',
  'gen_ai.client.token.usage',
  'gen_ai.client.operation.time_to_first_chunk',
  'cache.hits',
  'cache.misses',
  'cache.entries',
  'db.client.operation.duration',
  'circuit_breaker.state',
  'circuit_breaker.failure_rate',
  'circuit_breaker.critical',
  'circuit_breaker.transitions',
  'circuit_breaker.call.duration',
  'process.cpu.time',
  'process.memory.usage',
  'v8js.memory.heap.used',
  'nodejs.eventloop.delay.p99',
  'nodejs.eventloop.delay.p50',
]);
