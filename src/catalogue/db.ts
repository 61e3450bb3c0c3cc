/**
 * Database client and connection-pool metrics from the OpenTelemetry DB semantic conventions.
 * No attribute ever carries query text: `db.operation.name` is the verb (`SELECT`), and
 * `db.collection.name` the table, both bounded sets.
 */
import { BUCKET_PRESETS } from './buckets.js';
import { defineMetric, type MetricDefinition } from './types.js';

const OPERATION_ATTRIBUTES = [
  'db.system.name',
  'db.operation.name',
  'db.collection.name',
  'db.namespace',
  'db.response.status_code',
  'error.type',
] as const;
const POOL = 'db.client.connection.pool.name';

export const DB_CLIENT_OPERATION_DURATION = defineMetric({
  name: 'db.client.operation.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Duration of database client operations.',
  attributes: OPERATION_ATTRIBUTES,
  boundaries: BUCKET_PRESETS.db_duration,
  domain: 'db',
  source: 'semconv',
});

export const DB_CLIENT_RESPONSE_RETURNED_ROWS = defineMetric({
  name: 'db.client.response.returned_rows',
  kind: 'histogram',
  unit: '{row}',
  description: 'Number of rows returned by database client operations.',
  attributes: ['db.system.name', 'db.operation.name', 'db.collection.name', 'db.namespace', 'db.response.status_code'],
  boundaries: BUCKET_PRESETS.db_rows,
  domain: 'db',
  source: 'semconv',
});

export const DB_CLIENT_CONNECTION_COUNT = defineMetric({
  name: 'db.client.connection.count',
  kind: 'updowncounter',
  unit: '{connection}',
  description: 'Number of connections in the pool, by state (idle or used).',
  attributes: [POOL, 'db.client.connection.state'],
  domain: 'db',
  source: 'semconv',
  clusterAggregation: 'sum',
});

export const DB_CLIENT_CONNECTION_MAX = defineMetric({
  name: 'db.client.connection.max',
  kind: 'updowncounter',
  unit: '{connection}',
  description: 'Maximum number of open connections the pool allows.',
  attributes: [POOL],
  domain: 'db',
  source: 'semconv',
  clusterAggregation: 'sum',
});

export const DB_CLIENT_CONNECTION_PENDING_REQUESTS = defineMetric({
  name: 'db.client.connection.pending_requests',
  kind: 'updowncounter',
  unit: '{request}',
  description: 'Number of callers currently waiting for a connection from the pool.',
  attributes: [POOL],
  domain: 'db',
  source: 'semconv',
  clusterAggregation: 'sum',
});

export const DB_CLIENT_CONNECTION_WAIT_TIME = defineMetric({
  name: 'db.client.connection.wait_time',
  kind: 'histogram',
  unit: 's',
  description: 'Time a caller waited to obtain a connection from the pool.',
  attributes: [POOL],
  boundaries: BUCKET_PRESETS.pool_time,
  domain: 'db',
  source: 'semconv',
});

export const DB_CLIENT_CONNECTION_USE_TIME = defineMetric({
  name: 'db.client.connection.use_time',
  kind: 'histogram',
  unit: 's',
  description: 'Time between borrowing a connection from the pool and returning it.',
  attributes: [POOL],
  boundaries: BUCKET_PRESETS.pool_time,
  domain: 'db',
  source: 'semconv',
});

export const DB_CLIENT_CONNECTION_TIMEOUTS = defineMetric({
  name: 'db.client.connection.timeouts',
  kind: 'counter',
  unit: '{timeout}',
  description: 'Number of times a caller gave up waiting for a connection from the pool.',
  attributes: [POOL],
  domain: 'db',
  source: 'semconv',
});

export const DB_METRICS: readonly MetricDefinition[] = Object.freeze([
  DB_CLIENT_OPERATION_DURATION,
  DB_CLIENT_RESPONSE_RETURNED_ROWS,
  DB_CLIENT_CONNECTION_COUNT,
  DB_CLIENT_CONNECTION_MAX,
  DB_CLIENT_CONNECTION_PENDING_REQUESTS,
  DB_CLIENT_CONNECTION_WAIT_TIME,
  DB_CLIENT_CONNECTION_USE_TIME,
  DB_CLIENT_CONNECTION_TIMEOUTS,
]);
