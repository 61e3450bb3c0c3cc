/**
 * The endpoints over one collection: `/metrics` (Prometheus text 0.0.4, OpenMetrics or
 * protobuf, negotiated by `Accept`: see `exposition/negotiate.ts`), `/metrics/json` (the typed
 * snapshot), `/metrics/health` (status over a sliding window) and `/metrics/ui` (a static page
 * that draws the other two, with the past from `/metrics/ui/history`, unless `ui` is false).
 * Every collection, from whichever endpoint, also feeds the health window and the page's history, and runs outside the event-loop delay
 * measurement so a scrape never reports its own blocking. Every collection has a deadline: an
 * observable callback still running at it is skipped and counted, and the rest is served.
 */
import { diag } from '@opentelemetry/api';
import type { CollectionResult, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { collectWithin } from '../record/collection-deadline.js';
import { DEFAULT_CLOCK } from '../record/core.js';
import type { ResolvedHealthConfig } from '../health/options.js';
import type { PrometheusReader } from '../otel/reader.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import type { ExportDropReporter } from '../exposition/families.js';
import { componentsFrom, HealthTracker, healthHttpStatus } from '../health/report.js';
import { JSON_CONTENT_TYPE, toJsonSnapshot, type MetricsSnapshot } from '../exposition/json.js';
import { nameVariant, parseNameFilter, selectMetrics, type NameFilter } from '../exposition/name-filter.js';
import { hasNativeHistograms } from '../exposition/families.js';
import { CONTENT_TYPES, negotiateFormat } from '../exposition/negotiate.js';
import { encodeProtobufInSlices } from '../exposition/protobuf.js';
import { serialize, serializeChunks, type SerializeOptions } from '../exposition/serializer.js';
import type { ExemplarReader } from '../record/exemplars.js';
import type { CollectOptions, Route } from './server.js';
import { UiHistory } from './ui/history.js';
import { UI_METRICS } from './ui/metrics.js';
import { uiPage } from './ui/page.js';

/** The settings the endpoints read (a slice of `start()`'s resolved config). */
export interface EndpointsConfig {
  readonly endpoint: string;
  readonly unitSuffixes: boolean;
  readonly scopeLabels: boolean;
  readonly targetInfo: boolean;
  readonly health: ResolvedHealthConfig;
  /** The collection deadline when the scraper sends none. */
  readonly collectTimeoutMillis: number;
  /** Serve the `/metrics/ui` page; default true. */
  readonly ui?: boolean;
}

export interface EndpointsOptions {
  readonly reader: PrometheusReader;
  readonly config: EndpointsConfig;
  readonly runtime?: RuntimeMetrics | undefined;
  /** Seconds, monotonic, for the health window; defaults to `performance.now() / 1000`. */
  readonly clock?: { now(): number } | undefined;
  /** Counts points left out of `/metrics` because their metric's name collides with another's. */
  readonly onDrop?: ExportDropReporter | undefined;
  /**
   * Turns this process's collection into the one served, within `timeoutMillis` (cluster mode's
   * primary merges its workers' in here); default: this process's collection as it is.
   */
  readonly gather?: ((collectOwn: () => Promise<CollectionResult>, timeoutMillis: number) => Promise<CollectionResult>) | undefined;
  /** Exemplars for OpenMetrics and protobuf scrapes; none when absent. */
  readonly exemplars?: ExemplarReader | undefined;
}

export interface Endpoints {
  /** One collection, within `timeoutMillis` (default: the configured `collectTimeoutMillis`). */
  readonly collect: (options?: Partial<CollectOptions>) => Promise<ResourceMetrics>;
  readonly routes: readonly Route<ResourceMetrics>[];
  /** The Prometheus text of a fresh collection, without HTTP. */
  scrapeText(): Promise<string>;
  /** What `/metrics/json` serves for a fresh collection, without HTTP; `names` as `?name=`. */
  snapshot(names?: NameFilter): Promise<MetricsSnapshot>;
  readonly health: HealthTracker;
  /** The page's history (`/metrics/ui/history`), fed by every collection; undefined with `ui: false`. */
  readonly history: UiHistory | undefined;
}


/** `/metrics` → `/metrics/json`; a root endpoint `/` → `/json`. */
export function subPath(endpoint: string, name: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${name}`;
}

export function createEndpoints(options: EndpointsOptions): Endpoints {
  const { reader, config, runtime } = options;
  const health = new HealthTracker({ ...config.health, clock: options.clock ?? DEFAULT_CLOCK });
  const textOptions: SerializeOptions = {
    unitSuffixes: config.unitSuffixes,
    scopeLabels: config.scopeLabels,
    targetInfo: config.targetInfo,
    onDrop: options.onDrop,
    exemplars: options.exemplars,
  };
  const history = config.ui === false ? undefined : new UiHistory({ priority: UI_METRICS });
  const naming = { unitSuffixes: config.unitSuffixes };
  const select = (metrics: ResourceMetrics, names: NameFilter | undefined) => (names === undefined ? metrics : selectMetrics(metrics, names, naming));
  const toJson = (metrics: ResourceMetrics, names: NameFilter | undefined) => toJsonSnapshot(select(metrics, names), naming);

  const collectOnce = async (timeoutMillis: number): Promise<ResourceMetrics> => {
    // Late facade callbacks are given up on at the deadline; the SDK's timeout cuts off the rest.
    const collectOwn = () => collectWithin(timeoutMillis, (sdkTimeoutMillis) => reader.collect({ timeoutMillis: sdkTimeoutMillis }));
    const { resourceMetrics, errors } = await (options.gather === undefined ? collectOwn() : options.gather(collectOwn, timeoutMillis));
    // Collection errors come from user callbacks (observable gauges): reported, never thrown at the scraper.
    for (const error of errors) diag.error('promkit: metric collection reported an error', error);
    health.record(resourceMetrics);
    history?.offer(resourceMetrics);
    return resourceMetrics;
  };
  const collect = (options: Partial<CollectOptions> = {}): Promise<ResourceMetrics> => {
    const timeoutMillis = options.timeoutMillis ?? config.collectTimeoutMillis;
    return runtime === undefined ? collectOnce(timeoutMillis) : runtime.outsideLoopDelay(() => collectOnce(timeoutMillis));
  };

  const routes: Route<ResourceMetrics>[] = [
    {
      path: config.endpoint,
      // The raw Accept header joins the key: one body per representation asked for.
      variant: (query, request) => `${nameVariant(query)}\u0000${request.accept ?? ''}`,
      // In slices that yield between them: a 50k-series scrape must not freeze the app's event loop.
      render: async (metrics, query, request) => {
        const names = parseNameFilter(query);
        const selected = select(metrics, names);
        // A filtered scrape carries target_info only when it is asked for by name.
        const base = names === undefined ? textOptions : { ...textOptions, targetInfo: config.targetInfo && names.has('target_info') };
        const format = negotiateFormat(request.accept, { nativeHistograms: hasNativeHistograms(selected) });
        const body = format === 'protobuf' ? await encodeProtobufInSlices(selected, base) : serializeChunks(selected, { ...base, format });
        return { status: 200, contentType: CONTENT_TYPES[format], body };
      },
    },
    {
      path: subPath(config.endpoint, 'json'),
      variant: nameVariant,
      render: (metrics, query) => ({
        status: 200,
        contentType: JSON_CONTENT_TYPE,
        body: JSON.stringify(toJson(metrics, parseNameFilter(query))),
      }),
    },
    {
      path: subPath(config.endpoint, 'health'),
      variant: nameVariant,
      render: (_metrics, query) => {
        const names = parseNameFilter(query);
        const report = health.report(names === undefined ? undefined : componentsFrom(names, naming));
        return { status: healthHttpStatus(report), contentType: JSON_CONTENT_TYPE, body: JSON.stringify(report) };
      },
    },
  ];
  if (history !== undefined) {
    routes.push({
      // Data, so no ?token=: the page sends the token as a header. `name=` picks the metrics whose points are sent.
      path: subPath(config.endpoint, 'ui/history'),
      variant: (query) => query.getAll('name').sort().join('\u0000'),
      render: (metrics, query) => ({ status: 200, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(history.toJson(new Set(query.getAll('name')), metrics)) }),
    });
    routes.push({
      path: subPath(config.endpoint, 'ui'),
      static: uiPage,
      // The page carries no data, and a browser can send a bearer token only in the address.
      tokenInQuery: true,
      render: () => ({ status: 200, contentType: uiPage().contentType, body: uiPage().body }),
    });
  }
  return {
    collect,
    routes,
    scrapeText: async () => serialize(await collect(), textOptions),
    snapshot: async (names) => toJson(await collect(), names),
    health,
    history,
  };
}
