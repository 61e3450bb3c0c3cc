/**
 * Sending a large text body without blocking the app's event loop for long: the body arrives as
 * chunks (the serializer's slices) and is written or compressed chunk by chunk, honouring
 * back-pressure and yielding between megabytes, instead of being flattened into one string and
 * encoded in a single tick.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Gzip } from 'node:zlib';
import { yieldToLoop } from '../yield.js';

/** A piece of a body: text (the text formats) or bytes (protobuf). */
export type Chunk = string | Uint8Array;

/** Bytes of text written between two yields to the event loop. */
const YIELD_EVERY = 1 << 20;

/**
 * zlib level 1, the fastest deflate. Measured on the 15.8 MB text of 10k counter+histogram pairs
 * (bench/README.md): level 1 takes about 30 ms of CPU and shrinks it 18-fold, level 6 (zlib's
 * default) about 135 ms for 23-fold; a smaller window or memLevel, or a larger output chunk, was
 * no faster. Prometheus scrapes every few seconds over a local network, where the CPU is dearer
 * than the last fifth of the bytes.
 */
export const GZIP_LEVEL = 1;

/** Writes `chunks` to `response` and ends it; compression-free bodies use chunked encoding. */
export async function writeChunks(response: ServerResponse, chunks: readonly Chunk[]): Promise<void> {
  let sinceYield = 0;
  for (const chunk of chunks) {
    if (response.destroyed) return;
    if (!response.write(chunk)) await once(response, 'drain');
    sinceYield += chunk.length;
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  response.end();
}

/**
 * A gzip body compressed as its chunks are given, on libuv's thread pool: the loop only feeds
 * zlib, and compression overlaps the rendering of later chunks. `result` settles once `end` (or
 * `fail`) is called; it is never left rejected unobserved.
 */
export class GzipBody {
  readonly result: Promise<Buffer>;
  readonly #gzip: Gzip;
  #sinceYield = 0;

  constructor() {
    // Loaded on the first compressed response: most processes never serve one.
    this.#gzip = process.getBuiltinModule('node:zlib').createGzip({ level: GZIP_LEVEL });
    const parts: Buffer[] = [];
    this.#gzip.on('data', (part: Buffer) => parts.push(part));
    this.result = once(this.#gzip, 'end').then(() => Buffer.concat(parts));
    // A failure reaches whoever awaits `result`; none may be waiting (the render failed first).
    this.result.catch(() => undefined);
  }

  /** Queues `chunk`; resolves when zlib wants more (back-pressure), yielding every megabyte. */
  async write(chunk: Chunk): Promise<void> {
    if (!this.#gzip.write(chunk)) await once(this.#gzip, 'drain');
    this.#sinceYield += chunk.length;
    if (this.#sinceYield >= YIELD_EVERY) {
      this.#sinceYield = 0;
      await yieldToLoop();
    }
  }

  end(): void {
    this.#gzip.end();
  }

  fail(error: unknown): void {
    this.#gzip.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/** gzip of the concatenated chunks (see {@link GzipBody}). */
export async function gzipChunks(chunks: readonly Chunk[]): Promise<Buffer> {
  const body = new GzipBody();
  for (const chunk of chunks) await body.write(chunk);
  body.end();
  return body.result;
}
