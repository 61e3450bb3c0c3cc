// README.md: the block below the region markers is shown there character for character
// (test/process/doc-snippets.test.ts checks it); the lines around it are the setup it assumes
// and the checks that it did what the doc says.
import http from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
import { start } from 'promkit';
import { promkitFastifyMetrics } from 'promkit/fastify';
import { promkitKoaMetrics } from 'promkit/koa';
import { promkitHonoMetrics } from 'promkit/hono';

const handle = await start();
const app = (req, res) => res.end('app');
const expressApp = express();
const fastifyApp = Fastify();
const koaApp = new Koa();
const honoApp = new Hono();

// #region doc
import { metricsHandler } from 'promkit';
const metrics = metricsHandler();                  // or handle.metricsHandler() from start()

http.createServer((req, res) => metrics(req, res) || app(req, res)); // node:http
expressApp.use(metrics);                           // Express: the handler is a middleware
await fastifyApp.register(promkitFastifyMetrics()); // from 'promkit/fastify'
koaApp.use(promkitKoaMetrics());                   // from 'promkit/koa'
honoApp.use(promkitHonoMetrics());                 // from 'promkit/hono' (on @hono/node-server)
// #endregion doc

const server = http.createServer((req, res) => metrics(req, res) || app(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const scraped = await fetch(`${base}/metrics`);
expect(scraped.status).toBe(200);
expect(await scraped.text()).toContain('# TYPE target_info gauge');
expect(await (await fetch(`${base}/orders`)).text()).toBe('app');
expressApp.get('/orders', (req, res) => res.send('express'));
const expressServer = expressApp.listen(0, '127.0.0.1');
await new Promise((resolve) => expressServer.once('listening', resolve));
const expressBase = `http://127.0.0.1:${expressServer.address().port}`;
expect((await fetch(`${expressBase}/metrics`)).status).toBe(200);
expect(await (await fetch(`${expressBase}/orders`)).text()).toBe('express');
expect((await fastifyApp.inject({ url: '/metrics/json' })).json().schema).toBe('promkit.metrics/v1');
const koaServer = http.createServer(koaApp.callback());
await new Promise((resolve) => koaServer.listen(0, '127.0.0.1', resolve));
expect((await fetch(`http://127.0.0.1:${koaServer.address().port}/metrics`)).status).toBe(200);
const honoServer = await new Promise((resolve) => {
  const started = serve({ fetch: honoApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
});
expect((await fetch(`http://127.0.0.1:${honoServer.address().port}/metrics/health`)).status).toBe(200);
server.close();
expressServer.close();
koaServer.close();
honoServer.close();
await fastifyApp.close();
await handle.shutdown();
