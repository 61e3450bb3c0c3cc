import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { OTEL_API_GLOBAL } from '../warnings.js';
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

/**
 * Whether some MeterProvider is registered as the global one (by `@opentelemetry/sdk-node`, say):
 * the API keeps it under `metrics` in its global object, and there is no public getter that
 * tells a registered provider from the no-op default.
 */
export function globalMeterProviderRegistered(): boolean {
  const api = (globalThis as Record<symbol, { metrics?: unknown } | undefined>)[OTEL_API_GLOBAL];
  return api?.metrics !== undefined;
}

/** The one line that says what to do when another SDK owns the global meter provider. */
export const OTHER_PROVIDER_NOTICE =
  'another OpenTelemetry MeterProvider (e.g. @opentelemetry/sdk-node) is already registered, so OpenTelemetry instrumentations will not report to promkit; ' +
  'give that SDK promkit instead: new NodeSDK({ views: promkitViews(), metricReaders: [promkitReader()] }) and drop start() / promkit/register';
