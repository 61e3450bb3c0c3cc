// docs/start.md, "In a container or Kubernetes", run as far as this machine allows: the
// `docker run` line's variables on the preload, and the documented Prometheus job scraping it
// from another address of the machine with the token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT, startApp, type AppProcess } from '../helpers/app-process.js';
import { docBlocks } from '../helpers/doc-blocks.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const section = docBlocks(ROOT, ['docs/start.md']);

/** The first non-internal IPv4 address of this machine, else 127.0.0.2 (still not the 127.0.0.1 the app is usually reached on). */
function otherAddress(): string {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal);
  return external?.address ?? '127.0.0.2';
}

describe('docs/start.md: in a container or Kubernetes', () => {
  test("the docker run line's variables and the pod-annotation job: Prometheus scrapes from another address with the token", async () => {
    const docker = section.find((block) => block.language === 'sh' && block.code.startsWith('docker run'));
    const job = section.find((block) => block.language === 'yaml' && block.code.startsWith('scrape_configs:'));
    expect(docker?.code).toContain('-p 9464:9464');
    const token = 'k8s-doc-token-1234';
    const env = Object.fromEntries(
      [...docker!.code.matchAll(/-e (\w+)=("[^"]*"|\S+)/g)].map(([, name, value]) => [name!, value!.replace(/^"|"$/g, '').replace('$METRICS_TOKEN', token)]),
    );
    expect(env).toEqual({ OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', PROMKIT_METRICS_TOKEN: token });

    const app: AppProcess = await startApp('test/fixtures/app.mjs', { ...env, OTEL_EXPORTER_PROMETHEUS_PORT: '0' });
    cleanups.push(() => app.stop());
    const port = new URL(app.scrapeUrl!).port;
    const address = otherAddress();
    const anonymous = await fetch(`http://${address}:${port}/metrics`);
    await anonymous.text();
    expect(anonymous.status).toBe(401);

    const dir = mkdtempSync(join(tmpdir(), 'promkit-k8s-doc-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'promkit-token'), token);
    // Kubernetes discovery would find the pod and its annotations; a static target carries them.
    const target = `static_configs: [{ targets: ['${address}:1'], labels: { __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true', __meta_kubernetes_pod_annotation_prometheus_io_port: '${port}' } }]`;
    const config = `global: { scrape_interval: 1s, scrape_timeout: 1s }\n${job!.code
      .replace('/etc/prometheus/promkit-token', join(dir, 'promkit-token'))
      .replace('kubernetes_sd_configs: [{ role: pod }]', target)}\n`;
    expect(config).not.toContain('kubernetes_sd_configs');
    const prometheus: PrometheusServer = await startPrometheus(config);
    cleanups.push(() => prometheus.stop());
    let targets: Awaited<ReturnType<PrometheusServer['targets']>> = [];
    for (let i = 0; i < 60; i++) {
      targets = await prometheus.targets();
      if (targets.some((t) => t.health === 'up')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(targets.map((t) => [t.health, t.scrapeUrl, t.lastError])).toEqual([['up', `http://${address}:${port}/metrics`, '']]);
    const up = await prometheus.query('up{job="pods"}');
    expect(up.map((sample) => sample.value)).toEqual([1]);
  }, 90_000);
});
