// docs/migrating-from-prom-client.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import express from 'express';
import { expect } from 'vitest';
import { start } from 'promkit';

const handle = await start();
const app = express();

// #region doc
import { Counter, Histogram, collectDefaultMetrics, register } from 'promkit/prom-client';

collectDefaultMetrics(); // prom-client's default metrics, in `register`

const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Duration of HTTP requests in seconds.',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
});
const requests = new Counter({ name: 'http_requests_total', help: 'Requests.', labelNames: ['method', 'route', 'status_code'] });

app.use((req, res, next) => {
  const end = duration.startTimer();
  res.on('finish', () => {
    const labels = { method: req.method, route: req.route?.path ?? 'unmatched', status_code: res.statusCode };
    end(labels);
    requests.inc(labels);
  });
  next();
});
app.get('/metrics', async (req, res) => {
  res.set('Content-Type', register.contentType);
  res.end(await register.metrics()); // exactly what prom-client would write
});
// #endregion doc

app.get('/users/:id', (req, res) => res.send('user'));
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
await (await fetch(`${base}/users/7`)).text();
const response = await fetch(`${base}/metrics`);
expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
const text = await response.text();
expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status_code="200"} 1\n');
expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
server.close();
await handle.shutdown();
