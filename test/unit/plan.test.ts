import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { describePlan, detectPm2, makePlan, type PlanInput, type Situation } from '../../src/plan.js';

const BASE: PlanInput = {
  cluster: false,
  host: 'localhost',
  port: 9464,
  scrapeServer: true,
  metricsExporters: ['prometheus'],
  remoteWrite: true,
  pushgateway: true,
  otlp: true,
  resourceAttributes: { 'service.name': 'checkout' },
};
const standalone: Situation = { isClusterPrimary: () => true, pm2: undefined };
const primary: Situation = { isClusterPrimary: () => true, pm2: undefined };
const worker: Situation = { isClusterPrimary: () => false, pm2: undefined };
const pm2Cluster = (instance: number): Situation => ({ isClusterPrimary: () => false, pm2: { instance, clusterMode: true } });

describe('the start-up plan', () => {
  it('standalone: serves the port and runs every configured push', () => {
    const plan = makePlan(BASE, standalone);
    expect(plan).toEqual({
      role: 'standalone',
      scrape: { host: 'localhost', port: 9464 },
      noScrapeReason: undefined,
      pushes: ['remote_write', 'otlp', 'pushgateway'],
      identity: { serviceName: 'checkout', instanceId: undefined, pushgatewayInstance: '' },
    });
  });

  it('a cluster primary serves and pushes; a worker neither serves nor pushes, so the cluster counts once', () => {
    expect(makePlan({ ...BASE, cluster: true }, primary)).toMatchObject({ role: 'cluster-primary', scrape: { port: 9464 }, pushes: ['remote_write', 'otlp', 'pushgateway'] });
    expect(makePlan({ ...BASE, cluster: true }, worker)).toMatchObject({ role: 'cluster-worker', scrape: undefined, pushes: [], noScrapeReason: 'cluster worker: the primary serves' });
  });

  it('node:cluster is asked only in cluster mode', () => {
    let asked = 0;
    makePlan(BASE, { isClusterPrimary: () => (asked++, false), pm2: undefined });
    expect(asked).toBe(0);
  });

  it('a PM2 cluster-mode instance serves the port plus its instance number, and groups Pushgateway pushes by it', () => {
    expect(makePlan(BASE, pm2Cluster(0))).toMatchObject({ role: 'pm2-instance', scrape: { port: 9464 }, identity: { pushgatewayInstance: 'pm2-0' } });
    expect(makePlan(BASE, pm2Cluster(3))).toMatchObject({ role: 'pm2-instance', scrape: { port: 9467 }, identity: { pushgatewayInstance: 'pm2-3' } });
    // PM2 already offsets the port (increment_var): not twice.
    expect(makePlan(BASE, { isClusterPrimary: () => false, pm2: { instance: 3, clusterMode: true, portIncremented: true } }).scrape).toEqual({ host: 'localhost', port: 9464 });
    // Port 0 stays "any free port".
    expect(makePlan({ ...BASE, port: 0 }, pm2Cluster(3)).scrape).toEqual({ host: 'localhost', port: 0 });
  });

  it('refuses PROMKIT_CLUSTER under PM2 cluster mode, saying what to do instead', () => {
    expect(() => makePlan({ ...BASE, cluster: true }, pm2Cluster(1))).toThrow(ConfigError);
    expect(() => makePlan({ ...BASE, cluster: true }, pm2Cluster(1))).toThrow(/PROMKIT_CLUSTER: .*unset PROMKIT_CLUSTER .*fork mode/);
  });

  it('a configured service.instance.id is the identity and the Pushgateway instance', () => {
    const plan = makePlan({ ...BASE, resourceAttributes: { 'service.name': 'nightly', 'service.instance.id': 'cron' } }, standalone);
    expect(plan.identity).toEqual({ serviceName: 'nightly', instanceId: 'cron', pushgatewayInstance: 'cron' });
  });

  it('says why no port is bound', () => {
    expect(makePlan({ ...BASE, metricsExporters: [] }, standalone).noScrapeReason).toBe('OTEL_METRICS_EXPORTER=none');
    expect(makePlan({ ...BASE, metricsExporters: ['otlp'] }, standalone).noScrapeReason).toBe('OTEL_METRICS_EXPORTER=otlp');
    expect(makePlan({ ...BASE, scrapeServer: false }, standalone).noScrapeReason).toBe('PROMKIT_SCRAPE_SERVER=false');
  });

  it('prints as one line', () => {
    const plan = makePlan({ ...BASE, otlp: false, pushgateway: false }, standalone);
    expect(describePlan(plan, 'http://localhost:9464/metrics', 'abc')).toBe(
      'serving metrics at http://localhost:9464/metrics (standalone; push: remote_write; service.instance.id=abc)',
    );
    expect(describePlan(makePlan({ ...BASE, metricsExporters: [], remoteWrite: false, otlp: false }, standalone), undefined, 'abc')).toBe(
      'no scrape port (OTEL_METRICS_EXPORTER=none) (standalone; push: pushgateway; service.instance.id=abc)',
    );
  });

  it('detects PM2 from the variables it sets', () => {
    expect(detectPm2({})).toBeUndefined();
    expect(detectPm2({ pm_id: '4', NODE_APP_INSTANCE: '1', exec_mode: 'cluster_mode' })).toEqual({ instance: 1, clusterMode: true, portIncremented: false });
    expect(detectPm2({ pm_id: '0', NODE_APP_INSTANCE: '0', exec_mode: 'fork_mode' })).toEqual({ instance: 0, clusterMode: false, portIncremented: false });
    expect(detectPm2({ pm_id: '0', exec_mode: 'cluster_mode', increment_var: 'OTEL_EXPORTER_PROMETHEUS_PORT' })?.portIncremented).toBe(true);
  });
});
