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
 * Bytes handed to zlib per write. Node's zlib stream compresses one write per thread-pool trip
 * and needs a loop turn between two, and while a scrape renders the loop turns once per slice:
 * fed the serializer's ~50 KB chunks one by one, compression advanced a chunk per slice and
 * trailed the rendering (a 1k-pair gzip scrape took 62 ms in place of 7). A megabyte per write is
 * 2-3 ms of deflate on a pool thread.
 */
const GZIP_BATCH = 1 << 20;

/** Bytes zlib may hold unprocessed before the writer waits for it (back-pressure). */
const GZIP_MAX_QUEUED = 4 << 20;

/**
 * A gzip body compressed as its chunks are given, on libuv's thread pool: the loop only gathers
 * chunks into {@link GZIP_BATCH}-sized writes, and compression overlaps the rendering of later
 * chunks. `result` settles once `end` (or `fail`) is called; it is never left rejected unobserved.
 */
export class GzipBody {
  readonly result: Promise<Buffer>;
  readonly #gzip: Gzip;
  #batch: Uint8Array[] = [];
  #batchBytes = 0;

  constructor() {
    // Loaded on the first compressed response: most processes never serve one.
    this.#gzip = process.getBuiltinModule('node:zlib').createGzip({ level: GZIP_LEVEL });
    const parts: Buffer[] = [];
    this.#gzip.on('data', (part: Buffer) => parts.push(part));
    this.result = once(this.#gzip, 'end').then(() => Buffer.concat(parts));
    // A failure reaches whoever awaits `result`; none may be waiting (the render failed first).
    this.result.catch(() => undefined);
  }

  /**
   * Adds `chunk`; every megabyte goes to zlib as one write, after which this yields to the loop,
   * and waits for zlib first when it has more than {@link GZIP_MAX_QUEUED} bytes still to do.
   */
  async write(chunk: Chunk): Promise<void> {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.#batch.push(bytes);
    this.#batchBytes += bytes.length;
    if (this.#batchBytes < GZIP_BATCH) return;
    this.#flush();
    if (this.#gzip.writableLength > GZIP_MAX_QUEUED) await once(this.#gzip, 'drain');
    await yieldToLoop();
  }

  end(): void {
    this.#flush();
    this.#gzip.end();
  }

  fail(error: unknown): void {
    this.#batch = [];
    this.#gzip.destroy(error instanceof Error ? error : new Error(String(error)));
  }

  #flush(): void {
    if (this.#batchBytes === 0) return;
    this.#gzip.write(this.#batch.length === 1 ? this.#batch[0]! : Buffer.concat(this.#batch, this.#batchBytes));
    this.#batch = [];
    this.#batchBytes = 0;
  }
}

/** gzip of the concatenated chunks (see {@link GzipBody}). */
export async function gzipChunks(chunks: readonly Chunk[]): Promise<Buffer> {
  const body = new GzipBody();
  for (const chunk of chunks) await body.write(chunk);
  body.end();
  return body.result;
}
