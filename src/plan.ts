/**
 * One start-up plan per process, as data: from the process's situation (standalone, a
 * `node:cluster` primary or worker, a PM2 instance) and the resolved configuration, which role it
 * plays, which outputs it runs and under which identity. `start()` wires exactly this plan and
 * the handle carries it, so "who pushes" is decided once, here, and a cluster counts once: only
 * the primary pushes, workers only answer the primary.
 */
import { nonEmpty, type Env } from './env.js';
import { ConfigError } from './errors.js';

/** What this process does: serve alone, serve the merged cluster, answer the primary, or serve as one PM2 instance. */
export const ROLES = ['standalone', 'cluster-primary', 'cluster-worker', 'pm2-instance'] as const;
export type Role = (typeof ROLES)[number];

/** The outputs that send data out of the process on their own schedule. */
export const PUSH_OUTPUTS = ['remote_write', 'otlp', 'pushgateway'] as const;
export type PushOutput = (typeof PUSH_OUTPUTS)[number];

/** Where the process runs, as far as the plan cares. */
export interface Situation {
  /** Whether this is the `node:cluster` primary; asked only in cluster mode (it loads `node:cluster`). */
  readonly isClusterPrimary: () => boolean;
  /** Set under PM2: its instance number, and whether PM2 runs the app in cluster mode. */
  readonly pm2: Pm2Instance | undefined;
}

export interface Pm2Instance {
  /** `NODE_APP_INSTANCE`: 0 to instances-1, stable across restarts of the instance. */
  readonly instance: number;
  /** `exec_mode: 'cluster'`: PM2's daemon is the `node:cluster` primary and runs no app code. */
  readonly clusterMode: boolean;
  /** PM2 offsets the port itself (`increment_var: 'OTEL_EXPORTER_PROMETHEUS_PORT'`, as earlier docs advised). */
  readonly portIncremented?: boolean;
}

/** The PM2 instance this process is, from the variables PM2 sets; undefined outside PM2. */
export function detectPm2(env: Env): Pm2Instance | undefined {
  const id = nonEmpty(env['pm_id']);
  if (id === undefined) return undefined;
  const instance = Number(nonEmpty(env['NODE_APP_INSTANCE']) ?? '0');
  return {
    instance: Number.isInteger(instance) && instance >= 0 ? instance : 0,
    clusterMode: env['exec_mode'] === 'cluster_mode',
    portIncremented: env['increment_var'] === 'OTEL_EXPORTER_PROMETHEUS_PORT',
  };
}

/** The part of the configuration a plan is made from. */
export interface PlanInput {
  readonly cluster: boolean;
  readonly host: string;
  readonly port: number;
  readonly scrapeServer: boolean;
  readonly metricsExporters: readonly string[];
  readonly remoteWrite: boolean;
  readonly pushgateway: boolean;
  readonly otlp: boolean;
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

export interface PlanIdentity {
  readonly serviceName: string | undefined;
  /** Configured `service.instance.id`; undefined: the process's random UUID (see otel/resource.ts). */
  readonly instanceId: string | undefined;
  /**
   * The Pushgateway grouping key's `instance`: the configured `service.instance.id`, else
   * `pm2-<n>` for a PM2 instance, else none, so each run of a job replaces the job's one group
   * instead of leaving a group per host or per run.
   */
  readonly pushgatewayInstance: string;
}

/** What this process runs. */
export interface Plan {
  readonly role: Role;
  /** The port the scrape server binds; undefined: no port, and {@link noScrapeReason} says why. */
  readonly scrape: { readonly host: string; readonly port: number } | undefined;
  readonly noScrapeReason: string | undefined;
  /** The push outputs this process runs: none in a cluster worker (its primary pushes the merged collection). */
  readonly pushes: readonly PushOutput[];
  readonly identity: PlanIdentity;
}

/**
 * The plan for `config` in `situation`. Throws a {@link ConfigError} for a combination that
 * cannot be served, saying what to do instead.
 */
export function makePlan(config: PlanInput, situation: Situation): Plan {
  const role = roleOf(config, situation);
  const configured: PushOutput[] = [];
  if (config.remoteWrite) configured.push('remote_write');
  if (config.otlp) configured.push('otlp');
  if (config.pushgateway) configured.push('pushgateway');
  const pushes = role === 'cluster-worker' ? [] : configured;
  const noScrapeReason =
    role === 'cluster-worker'
      ? 'cluster worker: the primary serves'
      : !config.metricsExporters.includes('prometheus')
        ? `OTEL_METRICS_EXPORTER=${config.metricsExporters.length === 0 ? 'none' : config.metricsExporters.join(',')}`
        : !config.scrapeServer
          ? 'PROMKIT_SCRAPE_SERVER=false'
          : undefined;
  // PM2 cluster mode shares one listener per port among its instances: an offset gives each its own.
  const port = role === 'pm2-instance' && config.port !== 0 && situation.pm2?.portIncremented !== true ? config.port + situation.pm2!.instance : config.port;
  if (port > 65535) throw new ConfigError('OTEL_EXPORTER_PROMETHEUS_PORT', `${config.port} + NODE_APP_INSTANCE ${situation.pm2!.instance} is beyond 65535; choose a lower port`);
  const instanceId = config.resourceAttributes['service.instance.id'];
  return {
    role,
    scrape: noScrapeReason === undefined ? { host: config.host, port } : undefined,
    noScrapeReason,
    pushes,
    identity: {
      serviceName: config.resourceAttributes['service.name'],
      instanceId,
      pushgatewayInstance: instanceId ?? (situation.pm2 !== undefined ? `pm2-${situation.pm2.instance}` : ''),
    },
  };
}

function roleOf(config: PlanInput, situation: Situation): Role {
  if (situation.pm2?.clusterMode === true) {
    if (config.cluster) {
      throw new ConfigError(
        'PROMKIT_CLUSTER',
        'under PM2 cluster mode the cluster primary is PM2\'s daemon, which runs no promkit to merge the instances; ' +
          'unset PROMKIT_CLUSTER (each instance then serves OTEL_EXPORTER_PROMETHEUS_PORT + NODE_APP_INSTANCE), ' +
          'or run one PM2 process in fork mode whose script forks node:cluster workers',
      );
    }
    return 'pm2-instance';
  }
  if (config.cluster) return situation.isClusterPrimary() ? 'cluster-primary' : 'cluster-worker';
  return 'standalone';
}

/**
 * The one start-up line: where metrics are served (or why not), then role, pushes and identity,
 * e.g. `serving metrics at http://localhost:9464/metrics (standalone; push: remote_write; service.instance.id=…)`.
 */
export function describePlan(plan: Plan, url: string | undefined, instanceId: string): string {
  const where =
    url !== undefined
      ? `serving metrics at ${url}`
      : plan.noScrapeReason === 'PROMKIT_SCRAPE_SERVER=false'
        ? "no scrape port (PROMKIT_SCRAPE_SERVER=false); serve metrics with metricsHandler() on the app's own server"
        : `no scrape port (${plan.noScrapeReason ?? 'not bound'})`;
  const pushes = plan.pushes.length === 0 ? 'no push' : `push: ${plan.pushes.join(', ')}`;
  return `${where} (${plan.role}; ${pushes}; service.instance.id=${instanceId})`;
}
