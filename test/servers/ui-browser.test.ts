/**
 * `/metrics/ui` in a real browser: headless Chromium (Debian's `chromium`) driven by
 * playwright-core, against the demo (`examples/demo/main.mjs`: the service with the preload, the
 * fake LLM, the flaky pricing upstream and its traffic) on free loopback ports.
 *
 * The pricing upstream is up for 4 s, then down for good, so the demo's "pricing" breaker opens.
 * Checked: the page loads with no console error; every domain section (HTTP, LLM, cache, DB,
 * breakers, runtime) shows charts with lines and tables with rows once traffic has flowed; the
 * breaker's health row turns red with its reason; the page is small (bounds on its size, plain and
 * as transferred); every table fits at 1280 px and at 390 px; every request the page makes goes
 * to the service's own origin, to the page, `ui/history`, `json` and `health` only; and, under a
 * fake clock, it polls no faster than every 2 s. A
 * full-page screenshot is kept in .tmp/ui-browser.png. Nothing depends on the machine's speed:
 * the test waits for states, and timing is asserted only under the fake clock.
 *
 * `UPDATE_UI_SCREENSHOT=1` also rewrites docs/ui.png (the README's picture: the top of the page,
 * 1200 px wide, as an indexed PNG, also shown in docs/endpoints.md), after letting the charts
 * fill for a minute and a half.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/app-process.js';
import { launchBrowser, overflow, until } from '../helpers/browser.js';
import { toIndexedPng } from '../helpers/indexed-png.js';
import { killGroup, stopGroup } from '../helpers/prometheus-server.js';

// Page functions below run in the browser; the tests compile without the DOM library, so the
// browser globals they touch are declared here, for this file only.
declare const document: { dispatchEvent(event: unknown): boolean };
declare const Event: new (type: string) => unknown;
declare const window: { fetch(input: unknown, init?: unknown): Promise<unknown>; fetches: string[] };

const UPDATE_SCREENSHOT = process.env['UPDATE_UI_SCREENSHOT'] === '1';
const DOMAINS = ['http', 'llm', 'cache', 'db', 'breaker', 'runtime'];
/** Upper bounds on the page: the body as the browser reads it, and as it travels gzipped. */
const MAX_PAGE_BYTES = 60_000;
const MAX_TRANSFERRED_BYTES = 15_000;
const ARTIFACT = join(ROOT, '.tmp', 'ui-browser.png');

interface Demo {
  readonly child: ChildProcess;
  readonly scrapeUrl: string;
  output(): string;
}

const running: ChildProcess[] = [];
process.once('exit', () => running.forEach((child) => killGroup(child, 'SIGKILL')));

async function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, ['examples/demo/main.mjs', '--json'], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      PORT: '0',
      EVENTS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      DEMO_UPSTREAM_SCHEDULE: 'up:4,down:600',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  let pending = '';
  const scrapeUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo was not ready in 45 s:\n${output}`)), 45_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = JSON.parse(line) as { event: string; scrapeUrl?: string };
        if (event.event === 'ready' && event.scrapeUrl !== undefined) {
          clearTimeout(timer);
          resolve(event.scrapeUrl);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${signal ?? code}) before it was ready:\n${output}`));
    });
  });
  return { child, scrapeUrl, output: () => output };
}

/** Per domain section: its state, how many chart lines with at least two points, table rows, and panels saying no data. */
function domainState(page: Page) {
  return page.$$eval('section[data-domain]', (sections) =>
    sections.map((s) => ({
      domain: s.getAttribute('data-domain') ?? '',
      state: s.getAttribute('data-state') ?? '',
      lines: [...s.querySelectorAll('svg polyline')].filter((p) => (p.getAttribute('points') ?? '').trim().split(/\s+/).length >= 2).length,
      rows: s.querySelectorAll('tbody tr').length,
      emptyPanels: s.querySelectorAll('.panel .nodata').length,
    })),
  );
}

describe('/metrics/ui in Chromium against the demo', () => {
  let demo: Demo;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'promkit-ui-chromium-'));
    context = await launchBrowser(profile);
    demo = await startDemo();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (demo !== undefined) await stopGroup(demo.child);
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  test(
    'shows every domain with data and the open breaker in red, with no console error and no request outside the service',
    async () => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));

      const pageUrl = `${demo.scrapeUrl}/ui`;
      const response = await page.goto(pageUrl);
      expect(response?.status()).toBe(200);

      // Size: the HTML as read (decoded) and as it travelled.
      const body = await response!.body();
      const sizes = await response!.request().sizes();
      const headers = await response!.allHeaders();
      expect(headers['content-encoding']).toBe('gzip');
      expect(body.length).toBeLessThan(MAX_PAGE_BYTES);
      expect(sizes.responseBodySize).toBeLessThan(MAX_TRANSFERRED_BYTES);
      console.log(`/metrics/ui: ${body.length} bytes, ${sizes.responseBodySize} bytes transferred (gzip ${gzipSync(body).length} at zlib's default level)`);

      await until(
        'every domain section with chart lines and table rows',
        async () => {
          const state = await domainState(page);
          return DOMAINS.every((d) => state.some((s) => s.domain === d && s.state === 'data' && s.emptyPanels === 0 && (s.lines > 0 || s.rows > 0)));
        },
        page,
      );
      const breakerRow = page.locator('#components tr[data-status="red"][data-kind="circuit_breaker"][data-name="pricing"]');
      await until('the pricing breaker red in the health table', async () => (await breakerRow.count()) === 1, page);
      await expect.poll(() => breakerRow.locator('td.reason').innerText()).toBe('breaker open');
      expect(await page.locator('section[data-domain="breaker"] [data-breaker-state]').allInnerTexts()).toEqual(['open']);

      // Every domain: the section, its panels, and no "no data" line.
      const state = await domainState(page);
      expect(state.map((s) => s.domain)).toEqual(DOMAINS);
      for (const s of state) {
        expect(s, s.domain).toMatchObject({ state: 'data', emptyPanels: 0 });
        expect(s.lines + s.rows, s.domain).toBeGreaterThan(0);
      }
      // The charts each domain must draw (what the shipped dashboard shows), each with a line.
      for (const [domain, chart] of [
        ['http', 'Requests per second by route'],
        ['http', 'Server error ratio'],
        ['http', 'Latency p50 / p95 / p99: /users/:id'],
        ['llm', 'Calls per second by model'],
        ['llm', 'Tokens per second by model'],
        ['llm', 'Time to first chunk p95 by model'],
        ['cache', 'Hit ratio by cache'],
        ['db', 'Operation latency p95 by operation and table'],
        ['breaker', 'Calls per second by outcome'],
        ['runtime', 'CPU seconds per second by mode'],
        ['runtime', 'Memory'],
        ['runtime', 'Event-loop delay'],
      ] as const) {
        const lines = page.locator(`section[data-domain="${domain}"] [data-chart="${chart}"] svg polyline`);
        expect(await lines.count(), `${domain}: ${chart}`).toBeGreaterThan(0);
      }
      // The demo's routes and models appear in the tables, by name.
      const routes = await page.locator('section[data-domain="http"] [data-table] tbody td:first-child').allInnerTexts();
      expect(routes).toEqual(expect.arrayContaining(['/users/:id', '/orders/:id', '/chat']));
      const models = await page.locator('section[data-domain="llm"] [data-table] tbody td:first-child').allInnerTexts();
      expect(models.sort()).toEqual(['demo-large', 'demo-mini']);
      const transitions = await page.locator('section[data-domain="breaker"] [data-table="Transitions since start"] tbody td:nth-child(2)').allInnerTexts();
      expect(transitions).toContain('closed → open');

      // Every table fits, LLM and database included (at 1280 px their p95 and p99 columns were cut off), and on a phone.
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 900 });
        expect(await overflow(page), `${width} px`).toEqual([]);
        const last = await page.locator('section[data-domain="llm"] [data-table] tbody tr:first-child td:last-child').boundingBox();
        expect(last!.x + last!.width, `${width} px: the LLM table's p99`).toBeLessThanOrEqual(width);
      }
      await page.setViewportSize({ width: 1200, height: 900 });

      mkdirSync(join(ROOT, '.tmp'), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });
      if (UPDATE_SCREENSHOT) {
        // The README's picture: health and the first row of HTTP charts, after the charts have
        // filled a little, in 96 colours so the npm package stays within its size budget.
        await page.waitForTimeout(90_000);
        const charts = (await page.locator('section[data-domain="http"] [data-chart]').first().boundingBox())!;
        const shot = await page.screenshot({ clip: { x: 0, y: 0, width: 1200, height: Math.ceil(charts.y + charts.height + 4) } });
        writeFileSync(join(ROOT, 'docs', 'ui.png'), toIndexedPng(shot, { colors: 96, minDistance: 16 }));
      }

      const origin = new URL(demo.scrapeUrl).origin;
      expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
      const paths = new Set(requested.map((url) => new URL(url).pathname));
      expect([...paths].sort()).toEqual(['/metrics/health', '/metrics/json', '/metrics/ui', '/metrics/ui/history']);
      expect(problems).toEqual([]);
      await page.close();
    },
    UPDATE_SCREENSHOT ? 300_000 : 150_000,
  );

  test('polls json and health together, no faster than every 2 s (under a fake clock)', async () => {
    const page = await context.newPage();
    // Paused: page timers fire only when the test moves the clock on.
    const t0 = Date.now();
    await page.clock.install({ time: t0 });
    await page.clock.pauseAt(t0 + 1000);
    // Counted in the page itself, so the count is exact at any instant.
    await page.addInitScript(() => {
      const original = window.fetch.bind(window);
      window.fetches = [];
      window.fetch = (input, init) => {
        window.fetches.push(String(input));
        return original(input, init);
      };
    });
    await page.goto(`${demo.scrapeUrl}/ui`);
    // The JSON asked for by name: only the metrics the page draws.
    const fetches = () => page.evaluate(() => window.fetches.map((url) => url.replace(/\?name=.*/, '?name=…')));
    const drawn = async () => Number((await page.locator('#updated').getAttribute('data-polls')) ?? 0);
    // The first poll also reads the service's history; later ones only json and health.
    await until('the first poll drawn', async () => (await drawn()) === 1, page);
    expect(await fetches()).toEqual(['ui/history?name=…', 'json?name=…', 'health']);
    await page.clock.runFor(1999);
    expect(await fetches()).toHaveLength(3);
    await page.clock.runFor(1);
    expect((await fetches()).slice(3)).toEqual(['json?name=…', 'health']);

    // A hidden tab stops polling, and polls again as soon as it is shown.
    await until('the second poll drawn', async () => (await drawn()) === 2, page);
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await page.clock.runFor(60_000);
    expect(await fetches()).toHaveLength(5);
    await setHidden(false);
    await until(
      'a poll after the tab is shown',
      async () => {
        await page.clock.runFor(1);
        return (await fetches()).length === 7;
      },
      page,
    );
    await page.close();
  });
});
