/**
 * The serving side of a start, as the plan says: in cluster mode the primary (which gathers the
 * workers' collections) or the worker (which answers the primary), the endpoints over one
 * collection, one request handler shared by the scrape port and the app's own server, and the
 * scrape port when the plan has one.
 */
import { startClusterPrimary, startClusterWorker } from '../cluster/index.js';
import type { ResolvedConfig } from '../config.js';
import { metrics } from '../facade/metrics.js';
import type { Plan } from '../plan.js';
import { EXEMPLARS } from '../record/exemplars.js';
import { createEndpoints } from '../server/endpoints.js';
import { ScrapeHandler, ScrapeServer } from '../server/server.js';
import { warn } from '../warnings.js';
import type { StopStack } from './stop-stack.js';
import type { Telemetry } from './telemetry.js';

export type Serving = ReturnType<typeof buildServing>;

export function buildServing(config: ResolvedConfig, plan: Plan, telemetry: Telemetry, clock: { now(): number } | undefined, stack: StopStack) {
  const { meterProvider, reader, runtime } = telemetry;
  const role = plan.role === 'cluster-primary' ? ('primary' as const) : plan.role === 'cluster-worker' ? ('worker' as const) : undefined;
  const primary = role === 'primary' ? startClusterPrimary({ meterProvider, aggregation: config.clusterAggregation }) : undefined;
  if (primary !== undefined) stack.push(() => primary.stop());
  // Points left out of a scrape for a name collision are counted with the facade's other drops.
  const endpoints = createEndpoints({
    reader,
    config,
    runtime,
    clock,
    onDrop: metrics.dropMeasurement,
    exemplars: EXEMPLARS,
    gather: primary !== undefined ? (collectOwn, timeoutMillis) => primary.collect(collectOwn, timeoutMillis) : undefined,
  });
  // The live page's history collects every 5 s when nothing else did; a worker or a push-only app serves no page.
  if (role !== 'worker' && config.metricsExporters.includes('prometheus')) endpoints.history?.start(() => endpoints.collect());
  stack.push(() => endpoints.history?.stop());
  const worker = role === 'worker' ? startClusterWorker({ collect: endpoints.collect, finalTimeoutMillis: config.collectTimeoutMillis }) : undefined;
  // The primary keeps these totals for good: handed over before the provider shuts down.
  if (worker !== undefined) stack.push(() => worker.stop());
  // One handler for the scrape port and the app's own server: they share collections.
  const requests = new ScrapeHandler({
    endpoint: config.endpoint,
    auth: config.auth,
    collectTimeoutMillis: config.collectTimeoutMillis,
    collect: endpoints.collect,
    routes: endpoints.routes,
  });
  let sendTimeoutWarned = false;
  const onSendTimeout = () => {
    if (sendTimeoutWarned) return;
    sendTimeoutWarned = true;
    warn(`promkit: a scrape client was still reading its response after ${config.sendTimeoutMillis} ms; its connection was closed. Set PROMKIT_SCRAPE_SEND_TIMEOUT_MS to allow longer. Further cut-offs are not reported.`);
  };
  const server =
    plan.scrape !== undefined
      ? new ScrapeServer({ host: plan.scrape.host, port: plan.scrape.port, handler: requests, sendTimeoutMillis: config.sendTimeoutMillis, onSendTimeout })
      : undefined;
  if (server !== undefined) stack.push(() => server.close());
  return { role, endpoints, requests, server, scrape: () => endpoints.scrapeText() };
}
