import { describe, expect, test } from 'vitest';
import { resolve } from '../../../src/cluster/resolve.js';

describe('cluster mode\'s options', () => {
  test('turns cluster mode on from PROMKIT_CLUSTER, the option winning, and refuses a value that is not a boolean', () => {
    expect(resolve({}, {}).cluster).toBe(false);
    expect(resolve({}, { PROMKIT_CLUSTER: 'TRUE' }).cluster).toBe(true);
    expect(resolve({ cluster: false }, { PROMKIT_CLUSTER: 'true' }).cluster).toBe(false);
    expect(() => resolve({}, { PROMKIT_CLUSTER: '1' })).toThrow('PROMKIT_CLUSTER: "1" is not a boolean; set "true" or "false"');
  });

  test('refuses a cluster aggregation that is not a policy, naming the metric', () => {
    expect(resolve({ clusterAggregation: { 'queue.depth': 'sum' } }, {}).clusterAggregation).toEqual({ 'queue.depth': 'sum' });
    expect(() => resolve({ clusterAggregation: { 'queue.depth': 'avg' as never } }, {})).toThrow(
      'clusterAggregation: "avg" for "queue.depth" is not one of "sum", "max", "min", "per_worker"',
    );
  });

});
