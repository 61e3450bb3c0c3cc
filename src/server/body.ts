/**
 * Sending a large text body without blocking the app's event loop for long: the body arrives as
 * chunks (the serializer's slices) and is written or compressed chunk by chunk, honouring
 * back-pressure and yielding between megabytes, instead of being flattened into one string and
 * encoded in a single tick.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { yieldToLoop } from '../yield.js';

/** A piece of a body: text (the text formats) or bytes (protobuf). */
export type Chunk = string | Uint8Array;

/** Bytes of text written between two yields to the event loop. */
const YIELD_EVERY = 1 << 20;

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

/** gzip of the concatenated chunks; zlib compresses on the thread pool, the loop only feeds it. */
export async function gzipChunks(chunks: readonly Chunk[]): Promise<Buffer> {
  // Loaded on the first compressed response: most processes never serve one.
  const gzip = process.getBuiltinModule('node:zlib').createGzip();
  const parts: Buffer[] = [];
  gzip.on('data', (part: Buffer) => parts.push(part));
  const done = once(gzip, 'end');
  let sinceYield = 0;
  for (const chunk of chunks) {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
    sinceYield += chunk.length;
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await yieldToLoop();
    }
  }
  gzip.end();
  await done;
  return Buffer.concat(parts);
}
