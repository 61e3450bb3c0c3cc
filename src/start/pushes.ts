/**
 * The push outputs of the plan (remote write, Pushgateway, OTLP from a cluster primary) and the
 * flush on SIGTERM/SIGINT; built once the start has succeeded, so a failed start neither pushes
 * nor waits for a store.
 */
import type { ResolvedConfig } from '../config.js';
import { metrics } from '../facade/metrics.js';
import type { Plan } from '../plan.js';
import { createOtlpPusher } from '../push/otlp.js';
import { createPushers } from '../push/pushers.js';
import { flushOnSignals } from '../signals.js';
import type { Serving } from './serving.js';
import type { StopStack } from './stop-stack.js';
import type { Telemetry } from './telemetry.js';

export interface Pushes {
  /** Remote write and the Pushgateway, now (`handle.push()`). */
  push(): Promise<void>;
}

export async function buildPushes(config: ResolvedConfig, plan: Plan, telemetry: Telemetry, serving: Serving, shutdown: () => Promise<void>, stack: StopStack): Promise<Pushes> {
  const pushers = createPushers({
    // Only the outputs of the plan: a cluster worker's counts reach the store through its primary.
    config: {
      remoteWrite: plan.pushes.includes('remote_write') ? config.push.remoteWrite : undefined,
      pushgateway: plan.pushes.includes('pushgateway') ? config.push.pushgateway : undefined,
    },
    pushgatewayInstance: plan.identity.pushgatewayInstance,
    resource: telemetry.resource,
    meter: telemetry.meterProvider.getMeter('promkit.push'),
    collect: () => serving.endpoints.collect(),
    scrape: serving.scrape,
    series: { unitSuffixes: config.unitSuffixes, scopeLabels: config.scopeLabels, targetInfo: config.targetInfo, onDrop: metrics.dropMeasurement },
  });
  const otlpPusher =
    plan.role === 'cluster-primary' && plan.pushes.includes('otlp') && config.push.otlp !== undefined
      ? await createOtlpPusher(config.push.otlp, { collect: () => serving.endpoints.collect(), warn: (message) => process.stderr.write(`promkit: ${message}\n`) })
      : undefined;
  // The last push carries the final totals: before anything else stops.
  stack.push(async () => {
    await Promise.all([pushers.shutdown(), otlpPusher?.shutdown()]);
  });
  if (config.flushOnSignal && plan.pushes.length > 0) {
    stack.push(
      flushOnSignals({
        shutdown,
        flush: async () => {
          await Promise.all([pushers.push(), telemetry.otlpReader?.forceFlush().catch(() => undefined), otlpPusher?.push()]);
        },
      }),
    );
  }
  return { push: () => pushers.push() };
}
