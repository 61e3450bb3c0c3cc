import { afterEach, describe, expect, test } from 'vitest';
import { hit, startApp, type AppProcess } from '../helpers/app-process.js';
import { parsePrometheusText } from '../helpers/parse-prometheus.js';
import { generateUserPaths, REPORTED_PATHS } from '../helpers/user-paths.js';

const running: AppProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

describe('the preload on a plain node:http server without routes', () => {
  test('turns emails, tokens, slugs, file names and percent-encoded segments into placeholders, never labels', async () => {
    const app = await startApp('test/fixtures/any-path-app.mjs');
    running.push(app);
    const paths = [...REPORTED_PATHS, ...generateUserPaths(50)];
    expect(paths).toHaveLength(304);
    for (const { path } of paths) expect(await hit(app.appPort, path)).toEqual([200]);

    const text = await (await fetch(app.scrapeUrl!)).text();
    const counts = new Map<string, number>();
    for (const sample of parsePrometheusText(text).samples) {
      if (sample.name !== 'http_server_request_duration_seconds_count') continue;
      const route = sample.labels['http_route']!;
      counts.set(route, (counts.get(route) ?? 0) + sample.value);
    }
    expect(Object.fromEntries([...counts].sort())).toEqual({
      '/api/v1/sessions/:id': 50,
      '/blog/:id': 50,
      '/downloads/:id': 50,
      '/files/a/b/:id': 1,
      '/people/:id/avatar': 50,
      '/products/:id': 1,
      '/reset/:id': 50,
      '/tokens/:id': 1,
      '/u/:id': 1,
      '/users/:id/settings': 50,
    });
    // Nowhere in the scrape, in any label of any metric: not even a decoded or partial form.
    const leaked = paths.filter(({ value }) => text.includes(value) || text.includes(decodeURIComponent(value)));
    expect(leaked.map((p) => p.value)).toEqual([]);
  });
});
