import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { catalogueViews, type BucketOverrides } from './views.js';

export interface PromkitMeterProviderOptions {
  readonly readers: IMetricReader[];
  readonly resource?: Resource;
  readonly cardinalityLimit?: number;
  readonly buckets?: BucketOverrides;
  readonly nativeHistograms?: readonly string[];
}

/** A MeterProvider whose views come from the catalogue; throws on a bad bucket override. */
export function createMeterProvider(options: PromkitMeterProviderOptions): MeterProvider {
  const views = catalogueViews({
    ...(options.cardinalityLimit !== undefined && { cardinalityLimit: options.cardinalityLimit }),
    ...(options.buckets !== undefined && { buckets: options.buckets }),
    ...(options.nativeHistograms !== undefined && { nativeHistograms: options.nativeHistograms }),
  });
  return new MeterProvider({
    readers: options.readers,
    views,
    ...(options.resource !== undefined && { resource: options.resource }),
  });
}
