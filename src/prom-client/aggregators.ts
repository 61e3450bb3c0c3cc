/**
 * prom-client's `aggregators`: how `AggregatorRegistry.aggregate()` combines one metric's
 * `get()` results from several processes. Samples are matched by sample name and label set
 * (label order does not matter); timestamps are dropped.
 */
import type { MetricObjectWithValues, MetricValue } from './render.js';

export type AggregatorFunction = (metrics: MetricObjectWithValues[]) => MetricObjectWithValues | undefined;

function labelKey(labels: Readonly<Record<string, unknown>>): string {
  let key = '';
  for (const name of Object.keys(labels).sort()) key += `${name}:${String(labels[name])},`;
  return key;
}

/** An aggregator that applies `combine` to the samples of each (sample name, label set). */
export function AggregatorFactory(combine: (values: MetricValue[]) => number): AggregatorFunction {
  return (metrics) => {
    const first = metrics[0];
    if (first === undefined) return undefined;
    const groups = new Map<string, Map<string, MetricValue[]>>();
    for (const metric of metrics) {
      for (const value of metric.values) {
        const byName = groups.get(value.metricName ?? '') ?? new Map<string, MetricValue[]>();
        groups.set(value.metricName ?? '', byName);
        const key = labelKey(value.labels);
        const group = byName.get(key);
        if (group === undefined) byName.set(key, [value]);
        else group.push(value);
      }
    }
    const values: MetricValue[] = [];
    for (const byName of groups.values()) {
      for (const group of byName.values()) {
        const head = group[0] as MetricValue;
        const value: MetricValue = { value: combine(group), labels: head.labels };
        if (head.metricName !== undefined) value.metricName = head.metricName;
        values.push(value);
      }
    }
    return { help: first.help, name: first.name, type: first.type, values, aggregator: first.aggregator };
  };
}

export const aggregators: Readonly<Record<'sum' | 'first' | 'min' | 'max' | 'average' | 'omit', AggregatorFunction>> = {
  sum: AggregatorFactory((v) => v.reduce((total, s) => total + s.value, 0)),
  first: AggregatorFactory((v) => (v[0] as MetricValue).value),
  omit: () => undefined,
  average: AggregatorFactory((v) => v.reduce((total, s) => total + s.value, 0) / v.length),
  min: AggregatorFactory((v) => v.reduce((min, s) => Math.min(min, s.value), Infinity)),
  max: AggregatorFactory((v) => v.reduce((max, s) => Math.max(max, s.value), -Infinity)),
};
