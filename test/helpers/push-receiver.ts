/**
 * A local push receiver for process tests: a node:http server on a free loopback port that takes
 * remote write (`POST /api/v1/write`, decoded with the test's own snappy and protobuf readers)
 * and Pushgateway pushes (`PUT /metrics/job/...`, the text body and the group path), answering
 * as the real servers do. Tests read what arrived, in order.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePrometheusText, type Sample } from './parse-prometheus.js';
import { decodeWriteRequest, type DecodedSeries } from './remote-write-decode.js';

export interface PushReceiver {
  readonly url: string;
  /** Every remote-write request, decoded, in arrival order. */
  readonly writes: DecodedSeries[][];
  /** Every Pushgateway PUT: its path and parsed samples. */
  readonly groups: { readonly path: string; readonly samples: Sample[] }[];
  close(): Promise<void>;
}

export async function startPushReceiver(): Promise<PushReceiver> {
  const writes: DecodedSeries[][] = [];
  const groups: { path: string; samples: Sample[] }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (request.method === 'POST' && request.url === '/api/v1/write') {
        writes.push(decodeWriteRequest(new Uint8Array(body)));
        response.writeHead(204).end();
      } else if (request.method === 'PUT' && request.url?.startsWith('/metrics/job')) {
        groups.push({ path: request.url, samples: parsePrometheusText(body.toString('utf8')).samples });
        response.writeHead(200).end();
      } else response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    groups,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The value of the series named `name` in one remote-write request, summed over its label sets. */
export function writtenValue(write: readonly DecodedSeries[], name: string): number {
  return write.filter((s) => s.labels['__name__'] === name).reduce((total, s) => total + (s.samples[0]?.value ?? 0), 0);
}
