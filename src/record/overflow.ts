import type { Attributes } from '@opentelemetry/api';

/** The SDK's own overflow attributes, so every cell store and the SDK's streams share one overflow series. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });
