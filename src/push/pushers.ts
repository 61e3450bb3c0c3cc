/**
 * The configured push destinations as one unit for `start()`: remote write on its interval, the
 * Pushgateway on demand and at shutdown, and the accounting of what either gave up on
 * (`promkit.push.dropped`, plus one warning per destination and reason).
 */
import type { Attributes, Meter } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { PROMKIT_PUSH_DROPPED } from '../catalogue/self.js';
import { warn } from '../warnings.js';
import { PushgatewayPusher, type ResolvedPushgateway } from './pushgateway.js';
import { RemoteWritePusher, type ResolvedRemoteWrite } from './remote-write.js';
import type { PushDropReason } from './sender.js';
import type { SeriesOptions } from './series.js';
import { targetLabels } from './target.js';

export interface PushConfig {
  readonly remoteWrite: ResolvedRemoteWrite | undefined;
  readonly pushgateway: ResolvedPushgateway | undefined;
}

export interface PushersOptions {
  readonly config: PushConfig;
  readonly resource: Resource;
  readonly meter: Meter;
  readonly collect: () => Promise<ResourceMetrics>;
  readonly scrape: () => Promise<string>;
  readonly series: SeriesOptions;
  /** The Pushgateway grouping key's `instance` (see the plan's identity); '' groups by job alone. */
  readonly pushgatewayInstance?: string;
}

export interface Pushers {
  /** Pushes to every destination now; resolves when remote write has queued and the Pushgateway answered. */
  push(): Promise<void>;
  /** The final pushes, waiting for delivery within each destination's timeout. */
  shutdown(): Promise<void>;
}

const ADVICE: Readonly<Record<PushDropReason, string>> = {
  queue_full: 'the receiver has been unreachable or failing for a while; check it and the URL',
  rejected: 'the receiver refused the request and it is not retried; check the URL, credentials and its log',
  too_large: 'the receiver refused a single series as too large even after the request was split; raise its request size limit',
  shutdown: 'the receiver did not accept the last push before the process ended',
};

/** Drop accounting for one destination: a counter add per drop, one warning per reason. */
function dropRecorder(meter: Meter, destination: 'remote_write' | 'pushgateway') {
  const counter = meter.createCounter(PROMKIT_PUSH_DROPPED.name, { description: PROMKIT_PUSH_DROPPED.description, unit: PROMKIT_PUSH_DROPPED.unit });
  const seen = new Map<PushDropReason, Attributes>();
  return (reason: PushDropReason, samples: number, detail: string): void => {
    let attributes = seen.get(reason);
    if (attributes === undefined) {
      attributes = Object.freeze({ 'promkit.push.destination': destination, 'promkit.reason': reason });
      seen.set(reason, attributes);
      warn(`promkit: dropped ${samples} samples pushed to ${destination} (${reason}): ${detail}; ${ADVICE[reason]}. Further drops are only counted in promkit.push.dropped.`);
    }
    counter.add(samples, attributes);
  };
}

export function createPushers(options: PushersOptions): Pushers {
  const { config, resource } = options;
  const remoteWrite =
    config.remoteWrite === undefined
      ? undefined
      : new RemoteWritePusher({
          config: config.remoteWrite,
          collect: options.collect,
          target: targetLabels(resource.attributes),
          series: options.series,
          onDrop: dropRecorder(options.meter, 'remote_write'),
        });
  const pushgateway =
    config.pushgateway === undefined
      ? undefined
      : new PushgatewayPusher({
          config: config.pushgateway,
          target: { ...targetLabels(resource.attributes), instance: options.pushgatewayInstance ?? '' },
          scrape: options.scrape,
          onDrop: dropRecorder(options.meter, 'pushgateway'),
        });
  remoteWrite?.start();
  return {
    push: async () => {
      await Promise.all([remoteWrite?.push(), pushgateway?.push()]);
    },
    shutdown: async () => {
      await Promise.all([remoteWrite?.shutdown(), pushgateway?.shutdown()]);
    },
  };
}
