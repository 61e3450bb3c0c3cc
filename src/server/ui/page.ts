/**
 * `/metrics/ui`: one self-contained HTML page (inline script and style, no font, image or
 * library from anywhere) that reads the service's history (`/metrics/ui/history`), polls
 * `/metrics/json` and `/metrics/health`, and draws, per domain, what the shipped Grafana
 * dashboard shows, plus any metric picked by name. Its Content-Security-Policy lets the browser load
 * nothing but this page's own script and style and fetch nothing but the service itself, so the
 * page works offline and cannot leak the metrics elsewhere.
 */
import type { StaticBody } from '../server.js';
import { PAGE_SCRIPT } from './client.js';
import { PAGE_STYLE } from './style.js';

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>promkit metrics</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1><span id="service">promkit</span> <span class="muted">metrics</span></h1><span id="overall" class="badge">loading</span><span id="updated" class="muted"></span></header>
<div id="banner" role="alert"></div>
<section id="health"><h2>Health</h2><p id="rule"></p><p class="muted"><span id="window"></span> <button id="greens" type="button" hidden></button></p><table id="components"></table></section>
<main id="domains"></main>
<section id="explore"><h2>Any metric</h2><p><label>metric <select id="pick"><option value="">pick a metric…</option></select></label></p><div id="picked" class="panels"></div></section>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;

const sha256 = (text: string) => `'sha256-${process.getBuiltinModule('node:crypto').createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Inline code is allowed by its hash, not by `'unsafe-inline'`; `connect-src 'self'` is the
 * only network access, and the favicon is an empty `data:` URL so the browser asks for nothing.
 */
const contentSecurityPolicy = () => [
  "default-src 'none'",
  `script-src ${sha256(PAGE_SCRIPT)}`,
  `style-src ${sha256(PAGE_STYLE)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

let page: StaticBody | undefined;

/**
 * The page and the headers it is served with, made on the first request for it: hashing the
 * inline code would otherwise load `node:crypto` into every process at start-up.
 */
export function uiPage(): StaticBody {
  page ??= Object.freeze({
    contentType: 'text/html; charset=utf-8',
    body: HTML,
    headers: Object.freeze({
      'Content-Security-Policy': contentSecurityPolicy(),
      'X-Content-Type-Options': 'nosniff',
      // The address may carry ?token=: never send it on.
      'Referrer-Policy': 'no-referrer',
    }),
  });
  return page;
}
