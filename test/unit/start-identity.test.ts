import { hostname } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createResource, processInstanceId } from '../../src/otel/resource.js';
import { targetLabels } from '../../src/push/target.js';
import { start, type PromkitHandle } from '../../src/start.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';

let handle: PromkitHandle | undefined;
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
});

const LOCAL = { host: '127.0.0.1', port: 0, instrumentHttp: false, instrumentFetch: false, runtimeMetrics: false } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('process identity', () => {
  test('service.instance.id (a UUID, the same for the life of the process), host.name and process.pid are on the resource by default', async () => {
    handle = await start({ ...LOCAL, serviceName: 'identity' });
    const { resource } = await handle.snapshot();
    expect(resource['service.instance.id']).toMatch(UUID);
    expect(resource['service.instance.id']).toBe(processInstanceId());
    expect(resource['host.name']).toBe(hostname());
    expect(resource['process.pid']).toBe(process.pid);
    const targetInfo = parsePrometheusText(await handle.scrape()).samples.find((s) => s.name === 'target_info');
    expect(targetInfo?.labels).toMatchObject({ service_instance_id: processInstanceId(), host_name: hostname(), process_pid: String(process.pid) });
    // Restarting promkit in the same process keeps the identity.
    await handle.shutdown();
    handle = await start({ ...LOCAL, serviceName: 'identity' });
    expect((await handle.snapshot()).resource['service.instance.id']).toBe(processInstanceId());
  });

  test('OTEL_RESOURCE_ATTRIBUTES overrides each, as in the OpenTelemetry Node SDK', () => {
    const config = resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=checkout-0,host.name=node-a' });
    const attributes = createResource(config.resourceAttributes).attributes;
    expect(attributes['service.instance.id']).toBe('checkout-0');
    expect(attributes['host.name']).toBe('node-a');
    expect(attributes['process.pid']).toBe(process.pid);
  });

  test('remote write\'s instance label is the service.instance.id', () => {
    expect(targetLabels(createResource({ 'service.name': 'checkout' }).attributes)).toEqual({ job: 'checkout', instance: processInstanceId() });
    expect(targetLabels(createResource({ 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'pod-7' }).attributes)).toEqual({
      job: 'shop/checkout',
      instance: 'pod-7',
    });
  });

  test('the handle carries the plan', async () => {
    handle = await start({ ...LOCAL, serviceName: 'identity' });
    expect(handle.plan).toEqual({
      role: 'standalone',
      scrape: { host: '127.0.0.1', port: 0 },
      noScrapeReason: undefined,
      pushes: [],
      identity: { serviceName: 'identity', instanceId: undefined, pushgatewayInstance: '' },
    });
    expect(handle.planLine).toBe(`serving metrics at ${handle.url} (standalone; no push; service.instance.id=${processInstanceId()})`);
  });
});
