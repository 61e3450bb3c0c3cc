import { AggregationTemporality, DataPointType, InstrumentType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { cumulativeToDelta } from '../../../src/push/otlp-delta.js';

const scope = { name: 'promkit' };
const at = (seconds: number): [number, number] => [seconds, 0];

function collection(end: number, histogram: { count: number; sum: number; counts: number[] }, total: number, upDown: number): ResourceMetrics {
  const descriptor = (name: string) => ({ name, description: '', unit: '', valueType: 1 });
  return {
    resource: resourceFromAttributes({}),
    scopeMetrics: [
      {
        scope,
        metrics: [
          {
            descriptor: descriptor('http.server.request.duration'),
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.HISTOGRAM,
            dataPoints: [{ attributes: { route: '/' }, startTime: at(0), endTime: at(end), value: { buckets: { boundaries: [1], counts: histogram.counts }, count: histogram.count, sum: histogram.sum, min: 0.1, max: 3 } }],
          },
          {
            descriptor: descriptor('jobs'),
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.SUM,
            isMonotonic: true,
            dataPoints: [{ attributes: {}, startTime: at(0), endTime: at(end), value: total }],
          },
          {
            descriptor: descriptor('queue'),
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.SUM,
            isMonotonic: false,
            dataPoints: [{ attributes: {}, startTime: at(0), endTime: at(end), value: upDown }],
          },
        ],
      },
    ],
  } as ResourceMetrics;
}

describe('cumulative series under a delta preference', () => {
  it('become the difference from the previous export, per series; up-down sums stay cumulative', () => {
    const convert = cumulativeToDelta((type) => type === InstrumentType.HISTOGRAM || type === InstrumentType.COUNTER);
    const first = convert(collection(10, { count: 3, sum: 2.5, counts: [2, 1] }, 5, 4)).scopeMetrics[0]!.metrics;
    const second = convert(collection(20, { count: 7, sum: 9.5, counts: [4, 3] }, 12, 2)).scopeMetrics[0]!.metrics;
    expect(first.map((m) => m.aggregationTemporality)).toEqual([AggregationTemporality.DELTA, AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE]);
    expect(second[0]!.dataPoints[0]).toMatchObject({ startTime: at(10), endTime: at(20), value: { count: 4, sum: 7, buckets: { counts: [2, 2] } } });
    expect((second[0]!.dataPoints[0]!.value as { min?: number }).min).toBeUndefined();
    expect(second[1]!.dataPoints[0]).toMatchObject({ startTime: at(10), value: 7 });
    expect(second[2]!.dataPoints[0]).toMatchObject({ startTime: at(0), value: 2 });
  });

  it('a total that went down (a reset) is sent whole; nothing is converted under a cumulative preference', () => {
    const convert = cumulativeToDelta(() => true);
    convert(collection(10, { count: 3, sum: 2.5, counts: [2, 1] }, 5, 0));
    expect(convert(collection(20, { count: 1, sum: 0.5, counts: [1, 0] }, 2, 0)).scopeMetrics[0]!.metrics[1]!.dataPoints[0]!.value).toBe(2);
    const keep = cumulativeToDelta(() => false);
    const metrics = keep(collection(10, { count: 3, sum: 2.5, counts: [2, 1] }, 5, 0)).scopeMetrics[0]!.metrics;
    expect(metrics.map((m) => m.aggregationTemporality)).toEqual([AggregationTemporality.CUMULATIVE, AggregationTemporality.CUMULATIVE, AggregationTemporality.CUMULATIVE]);
  });
});
