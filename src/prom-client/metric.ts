/** The metric base class lives beside the registry it registers in (they refer to each other); this module keeps its import path. */
export { Metric, type Aggregator, type MetricConfiguration } from './registry.js';
