/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) for the `/metrics/ui` tests,
 * and waiting on what a page shows.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Page functions run in the browser; the tests compile without the DOM library.
declare const document: { readonly body: { readonly innerText: string } };

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser with a fresh profile; a missing or broken Chromium fails the test, saying what to install. */
export async function launchBrowser(profile: string, viewport = { width: 1200, height: 900 }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's "chromium" package (CI does), or set CHROMIUM_PATH`);
  }
  try {
    return await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport });
  } catch (error) {
    throw new Error(`Chromium at ${CHROMIUM} could not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Polls `check` (in Node, on real time) until it is true; fails with `what` and the page's state. */
export async function until(what: string, check: () => Promise<boolean>, page: Page, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const state = await page.evaluate(() => document.body.innerText.slice(0, 3000));
      throw new Error(`timed out waiting for ${what}; the page shows:\n${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What overflows the window or its panel: the page's own width, and every table wider than its panel. */
export function overflow(page: Page): Promise<string[]> {
  return page.$$eval('html', ([html]) => {
    const out: string[] = [];
    if (html!.scrollWidth > html!.clientWidth) out.push(`the page is ${html!.scrollWidth} px wide in a ${html!.clientWidth} px window`);
    for (const table of html!.querySelectorAll('table')) {
      const box = table.parentElement!.getBoundingClientRect();
      for (const cell of table.querySelectorAll('th, td')) {
        const r = cell.getBoundingClientRect();
        if (r.width === 0) continue;
        if (r.right > box.right + 1 || r.left < box.left - 1) out.push(`${cell.textContent} (${Math.round(r.left)}-${Math.round(r.right)}) outside its panel (${Math.round(box.left)}-${Math.round(box.right)})`);
      }
    }
    for (const svg of html!.querySelectorAll('svg')) {
      if (svg.getBoundingClientRect().right > html!.clientWidth + 1) out.push(`a chart reaches ${Math.round(svg.getBoundingClientRect().right)} px`);
    }
    return out;
  });
}
