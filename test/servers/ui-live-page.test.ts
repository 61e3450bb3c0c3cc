/**
 * `/metrics/ui` as an operator first sees it, in headless Chromium at 1280 px and at 390 px (a
 * phone), against a plain node:http app with the preload (test/fixtures/ui-app.mjs): routes
 * `/fast`, `/slow`, `/broken` (always 500) and `/order`, which adds to the app's own counter
 * `orders.placed`. Traffic flows before any page is opened, until the service's history holds
 * points, so everything below is read from what the page draws (SVG elements and their text):
 *
 * - opened, and reloaded, the page draws points recorded before it was opened;
 * - latency is charted per route, for the routes driven;
 * - the app's own metric can be picked and is drawn, with its past;
 * - hovering a chart shows its values;
 * - the overall status agrees with the rows by the rule the page states (a red `/broken` route is
 *   not critical: the service is yellow, and the page says why);
 * - a metric the app creates after the page opened is listed when the picker is focused;
 * - no table, chart or the page itself is wider than the window.
 *
 * Nothing depends on the machine's speed: the test waits for states and asserts no timing.
 * Screenshots at both widths are kept in .tmp/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hit, ROOT, startApp, type AppProcess } from '../helpers/app-process.js';
import { launchBrowser, overflow, until } from '../helpers/browser.js';

const ROUTES = ['/fast', '/slow', '/broken', '/order'];
const RATE_CHART = 'Requests per second by route';

/** One round of traffic: /broken is 1 request in 30, so the service as a whole stays green. */
async function round(port: number): Promise<void> {
  await hit(port, '/fast', 24);
  await hit(port, '/slow', 4);
  await hit(port, '/broken', 1);
  await hit(port, '/order', 1);
}

async function historyPoints(scrapeUrl: string): Promise<number> {
  const response = await fetch(`${scrapeUrl}/ui/history`);
  return ((await response.json()) as { times: number[] }).times.length;
}

/** Every chart drawn: its title, the time of its oldest point (data-from), and its longest line in points. */
function charts(page: Page) {
  return page.$$eval('[data-chart]', (panels) =>
    panels.map((panel) => {
      const svg = panel.querySelector('svg');
      const points = [...panel.querySelectorAll('svg polyline')].map((p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length);
      return { title: panel.getAttribute('data-chart') ?? '', from: Number(svg?.getAttribute('data-from') ?? Number.NaN), lines: points.length, longest: Math.max(0, ...points) };
    }),
  );
}

const polls = async (page: Page) => Number((await page.locator('#updated').getAttribute('data-polls')) ?? 0);

/** The health rows and the overall badge, as drawn. */
function health(page: Page) {
  return page.$$eval('#components tr[data-status]', (rows) => ({
    rows: rows.map((r) => ({ name: r.getAttribute('data-name') ?? '', status: r.getAttribute('data-status') ?? '', critical: r.getAttribute('data-critical') === 'true' })),
    overall: (rows[0]?.ownerDocument.getElementById('overall')?.textContent ?? '').split(' ')[0],
    rule: rows[0]?.ownerDocument.getElementById('rule')?.textContent ?? '',
  }));
}

const RANK: Record<string, number> = { green: 0, yellow: 1, red: 2 };

describe('/metrics/ui at first look, at 1280 and 390 px', () => {
  let app: AppProcess;
  let context: BrowserContext;
  let profile: string;
  let openedAt: number;

  beforeAll(async () => {
    app = await startApp('test/fixtures/ui-app.mjs');
    profile = mkdtempSync(join(tmpdir(), 'promkit-ui-live-'));
    context = await launchBrowser(profile, { width: 1280, height: 900 });
    // Traffic before any page is open, until the service has kept a few points of it.
    let rounds = 0;
    while (rounds < 25 || (await historyPoints(app.scrapeUrl!)) < 4) {
      await round(app.appPort);
      rounds++;
    }
    openedAt = Date.now();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await app?.stop();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  for (const width of [1280, 390]) {
    test(`at ${width} px: history on first draw and after a reload, per-route latency, a picked user metric, hover values, a consistent status, nothing wider than the window`, async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: width > 600 ? 900 : 844 });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      await page.goto(`${app.scrapeUrl}/ui`);

      // The first draw already holds the past: lines of several points, the oldest before the page opened.
      for (const attempt of ['opened', 'reloaded']) {
        if (attempt === 'reloaded') await page.reload();
        await until(`the first poll drawn (${attempt})`, async () => (await polls(page)) >= 1, page);
        const rate = (await charts(page)).find((c) => c.title === RATE_CHART);
        expect(rate, attempt).toBeDefined();
        expect(rate!.longest, attempt).toBeGreaterThanOrEqual(3);
        expect(rate!.from, attempt).toBeLessThan(openedAt);
      }

      // Latency per route, for every route driven: four charts, each with its p50/p95/p99 lines.
      const drawn = await charts(page);
      for (const route of ROUTES) {
        const latency = drawn.find((c) => c.title === `Latency p50 / p95 / p99: ${route}`);
        expect(latency, route).toBeDefined();
        expect(latency!.lines, route).toBe(3);
        expect(latency!.longest, route).toBeGreaterThanOrEqual(2);
      }
      expect(drawn.map((c) => c.title)).not.toContain('Latency p50 / p95 / p99, all routes');
      const routes = await page.locator('section[data-domain="http"] [data-table] tbody td:first-child').allInnerTexts();
      expect(routes.map((r) => r.trim())).toEqual(expect.arrayContaining(ROUTES));

      // The status agrees with the rows by the stated rule: /broken is red but not critical.
      const { rows, overall, rule } = await health(page);
      expect(rows).toContainEqual({ name: 'GET /broken', status: 'red', critical: false });
      const expected = rows.reduce((worst, r) => {
        const weight = r.critical || r.status !== 'red' ? r.status : 'yellow';
        return RANK[weight]! > RANK[worst]! ? weight : worst;
      }, 'green');
      expect(overall).toBe(expected);
      expect(overall).toBe('yellow');
      expect(rule).toContain('a red row that is not critical counts as yellow');
      expect(rule).toMatch(/\b1 red row is not critical\./);

      // The app's own metric: listed, picked, drawn with its past.
      const options = await page.locator('#pick option').allInnerTexts();
      expect(options).toContain('orders.placed (counter)');
      // One created after the page opened is listed once the picker is focused.
      await hit(app.appPort, '/late');
      await page.focus('#pick');
      await until('jobs.late listed', async () => (await page.locator('#pick option').allInnerTexts()).includes('jobs.late (counter)'), page);
      await page.selectOption('#pick', 'orders.placed');
      const ordersChart = page.locator('#picked [data-chart="orders.placed per second"]');
      await until('orders.placed drawn', async () => (await ordersChart.locator('svg polyline').count()) === 1, page);
      const orders = (await charts(page)).find((c) => c.title === 'orders.placed per second')!;
      expect(orders.longest).toBeGreaterThanOrEqual(3);
      expect(orders.from).toBeLessThan(openedAt);
      expect(await ordersChart.locator('.legend li').allInnerTexts()).toEqual([expect.stringMatching(/^channel=web \d/)]);

      // Hover: the time and each line's value at the pointer, as SVG text.
      const svg = page.locator(`[data-chart="${RATE_CHART}"] svg`);
      await svg.scrollIntoViewIfNeeded();
      const box = (await svg.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
      const values = svg.locator('.hover text[data-hover="value"]');
      await until('hover values', async () => (await values.count()) > 0, page);
      expect(await svg.locator('.hover text[data-hover="time"]').count()).toBe(1);
      const texts = await values.allTextContents();
      for (const text of texts) expect(text).toMatch(/^\/(fast|slow|broken|order|late): \d+(\.\d+)?\/s$/);
      expect(texts.filter((text) => !text.startsWith('/late')).map((text) => text.split(':')[0]).sort()).toEqual([...ROUTES].sort());

      // Nothing wider than the window: every column of every table, every chart.
      expect(await overflow(page)).toEqual([]);

      mkdirSync(join(ROOT, '.tmp'), { recursive: true });
      await page.screenshot({ path: join(ROOT, '.tmp', `ui-live-${width}.png`), fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    }, 120_000);
  }
});
