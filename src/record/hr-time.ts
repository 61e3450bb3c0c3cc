import type { HrTime } from '@opentelemetry/api';

/** Wall-clock time now as OpenTelemetry's `[seconds, nanoseconds]`. */
export function hrNow(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.trunc(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
