/**
 * prom-client's `Pushgateway`: `push` (PUT: replace the group), `pushAdd` (POST: replace the
 * pushed metrics in the group) and `delete` (DELETE the group), with the registry's text as body.
 * Each call is one request and a promise of `{ resp, body }`, rejected on a status >= 400, a
 * connection error or a timeout: the caller decides about retries, as with prom-client. The
 * request goes through `node:http`/`node:https` (read at call time, so interceptors such as nock apply) so prom-client's options (`headers`, `agent`,
 * `timeout`, `auth`, TLS options) apply unchanged. The grouping path segments are promkit's push
 * encoding (`@base64` for values with `/` or empty ones, which the Pushgateway decodes).
 */
import http, { type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { groupingSegment } from '../push/pushgateway.js';
import { Registry, type RegistryContentType } from './registry.js';

export declare namespace Pushgateway {
  interface Parameters {
    jobName?: string;
    groupings?: Record<string, string>;
  }
}

export class Pushgateway<T extends RegistryContentType = RegistryContentType> {
  readonly registry: Registry<T>;
  readonly gatewayUrl: string;
  readonly requireJobName: boolean;
  readonly requestOptions: RequestOptions;

  /** `options`: node:http request options (`headers`, `agent`, `timeout`, ...) and `requireJobName` (default true). */
  constructor(url: string, options?: RequestOptions & { requireJobName?: boolean }, registry?: Registry<T>) {
    this.registry = registry ?? (Registry.globalRegistry as Registry<T>);
    this.gatewayUrl = url;
    const { requireJobName = true, ...requestOptions } = options ?? {};
    this.requireJobName = requireJobName;
    this.requestOptions = requestOptions;
  }

  /** POST: adds or replaces the registry's metrics in the group. */
  pushAdd(params: Pushgateway.Parameters = {}): Promise<{ resp?: unknown; body?: unknown }> {
    this.#checkJob(params);
    return this.#send('POST', params);
  }

  /** PUT: replaces the whole group with the registry's metrics. */
  push(params: Pushgateway.Parameters = {}): Promise<{ resp?: unknown; body?: unknown }> {
    this.#checkJob(params);
    return this.#send('PUT', params);
  }

  /** DELETE: removes the group. */
  delete(params: Pushgateway.Parameters = {}): Promise<{ resp?: unknown; body?: unknown }> {
    this.#checkJob(params);
    return this.#send('DELETE', params);
  }

  #checkJob(params: Pushgateway.Parameters): void {
    if (this.requireJobName && !params.jobName) throw new Error('Missing jobName parameter');
  }

  #send(method: 'POST' | 'PUT' | 'DELETE', { jobName, groupings }: Pushgateway.Parameters): Promise<{ resp: IncomingMessage; body: string }> {
    const base = new URL(this.gatewayUrl);
    const basePath = base.pathname !== '/' ? base.pathname.replace(/\/+$/, '') : '';
    let path = `${basePath}/metrics`;
    if (jobName) {
      path += `/job/${encodeURIComponent(jobName)}`;
      for (const [name, value] of Object.entries(groupings ?? {})) path += `/${groupingSegment(encodeURIComponent(name), String(value))}`;
    }
    const secure = base.protocol === 'https:';
    const options: RequestOptions = {
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      ...(base.port !== '' && { port: Number(base.port) }),
      ...(base.username !== '' && { auth: `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}` }),
      ...this.requestOptions,
      path,
      method,
    };
    if (method === 'DELETE' && options.headers !== undefined) {
      // A DELETE has no body to compress.
      const { 'Content-Encoding': _, ...headers } = options.headers as Record<string, string>;
      options.headers = headers;
    }
    // Looked up per call: nock and other interceptors patch the module's `request` property.
    const request = secure ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(options, (resp) => {
        let body = '';
        resp.setEncoding('utf8');
        resp.on('data', (chunk: string) => (body += chunk));
        resp.on('end', () => {
          if ((resp.statusCode ?? 0) >= 400) reject(new Error(`push failed with status ${resp.statusCode}, ${body}`));
          else resolve({ resp, body });
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('Pushgateway request timed out')));
      if (method === 'DELETE') return void req.end();
      this.registry.metrics().then((text) => {
        const gzip = (options.headers as Record<string, string> | undefined)?.['Content-Encoding'] === 'gzip';
        req.end(gzip ? gzipSync(text) : text);
      }, reject);
    });
  }
}
