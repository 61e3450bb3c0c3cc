/**
 * Snappy compression in the block format (https://github.com/google/snappy/blob/main/format_description.txt),
 * which Prometheus remote write requires (`Content-Encoding: snappy`, no framing). The algorithm
 * is the reference one, as in Go's `github.com/golang/snappy` that Prometheus decodes with: the
 * input is cut into independent 64 KiB blocks; in each, a hash table of 4-byte sequences finds
 * earlier occurrences, which become copies (offset, length) and everything between them literals.
 * Only compression is needed: receivers never answer with a snappy body promkit must read.
 */
import { yieldToLoop } from '../yield.js';

/** Copies never reach back further than this, so every offset fits two bytes. */
const BLOCK_SIZE = 1 << 16;
/** Blocks shorter than this are all literal: there is no room for a 4-byte match plus the margin. */
const MIN_NON_LITERAL_BLOCK_SIZE = 1 + 1 + 15;
/** The matcher stops this far before the end of a block, so 4-byte loads never read past it. */
const INPUT_MARGIN = 15;
const TABLE_BITS = 14;

/** The worst-case compressed size of `length` input bytes (the reference `MaxEncodedLen`). */
export function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/** `input` compressed in the snappy block format (uncompressed length, then literals and copies). */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(maxCompressedLength(input.length));
  let at = writeVarint(out, 0, input.length);
  const table = new Int32Array(1 << TABLE_BITS);
  for (let start = 0; start < input.length; start += BLOCK_SIZE) at = compressNext(out, at, input, start, table);
  return out.subarray(0, at);
}

/**
 * The same bytes as {@link snappyCompress}, giving the event loop a turn whenever `sliceBudgetMs`
 * of work is used up. The 64 KiB blocks are independent (no copy reaches into an earlier one), so
 * stopping between two of them changes nothing in the output: the body stays one snappy block
 * stream, as remote write requires, and only the time it takes is cut into slices.
 */
export async function snappyCompressInSlices(input: Uint8Array, sliceBudgetMs: number): Promise<Uint8Array> {
  const out = new Uint8Array(maxCompressedLength(input.length));
  let at = writeVarint(out, 0, input.length);
  const table = new Int32Array(1 << TABLE_BITS);
  let deadline = performance.now() + sliceBudgetMs;
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    at = compressNext(out, at, input, start, table);
    if (performance.now() > deadline) {
      await yieldToLoop();
      deadline = performance.now() + sliceBudgetMs;
    }
  }
  return out.subarray(0, at);
}

/** The block of `input` that begins at `start`, appended to `out` at `at`; returns the new end. */
function compressNext(out: Uint8Array, at: number, input: Uint8Array, start: number, table: Int32Array): number {
  const end = Math.min(input.length, start + BLOCK_SIZE);
  return end - start < MIN_NON_LITERAL_BLOCK_SIZE ? emitLiteral(out, at, input, start, end) : compressBlock(out, at, input, start, end, table);
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  while (value > 0x7f) {
    out[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[at++] = value;
  return at;
}

function load32(input: Uint8Array, i: number): number {
  return (input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16) | (input[i + 3]! << 24)) >>> 0;
}

function hash(value: number): number {
  return Math.imul(value, 0x1e35a7bd) >>> (32 - TABLE_BITS);
}

/**
 * One block: positions of 4-byte sequences go in `table` (stored +1, so 0 means empty); a
 * position whose sequence was seen before in this block starts a copy, extended as far as the
 * bytes agree. After misses the scan skips ahead faster (the reference heuristic), so
 * incompressible data costs little time.
 */
function compressBlock(out: Uint8Array, at: number, input: Uint8Array, start: number, end: number, table: Int32Array): number {
  table.fill(0);
  const limit = end - INPUT_MARGIN;
  let nextEmit = start;
  let s = start + 1;
  let misses = 32;
  while (s <= limit) {
    const current = load32(input, s);
    const h = hash(current);
    const candidate = table[h]! - 1;
    table[h] = s + 1;
    if (candidate < start || load32(input, candidate) !== current) {
      s += misses++ >> 5;
      continue;
    }
    misses = 32;
    at = emitLiteral(out, at, input, nextEmit, s);
    const base = s;
    let matched = candidate + 4;
    s += 4;
    while (s < end && input[s] === input[matched]) {
      s++;
      matched++;
    }
    at = emitCopy(out, at, base - candidate, s - base);
    nextEmit = s;
    // The position just before the next scan starts is worth remembering: runs repeat.
    if (s - 1 <= limit) table[hash(load32(input, s - 1))] = s;
  }
  return nextEmit < end ? emitLiteral(out, at, input, nextEmit, end) : at;
}

/** Literal bytes `input[from..to)`: a tag with the length (in 1 to 4 extra bytes when 61 or more), then the bytes. */
function emitLiteral(out: Uint8Array, at: number, input: Uint8Array, from: number, to: number): number {
  const length = to - from;
  if (length === 0) return at;
  const n = length - 1;
  if (n < 60) {
    out[at++] = n << 2;
  } else if (n < 1 << 8) {
    out[at++] = 60 << 2;
    out[at++] = n;
  } else if (n < 1 << 16) {
    out[at++] = 61 << 2;
    out[at++] = n & 0xff;
    out[at++] = n >>> 8;
  } else if (n < 1 << 24) {
    out[at++] = 62 << 2;
    out[at++] = n & 0xff;
    out[at++] = (n >>> 8) & 0xff;
    out[at++] = n >>> 16;
  } else {
    out[at++] = 63 << 2;
    out[at++] = n & 0xff;
    out[at++] = (n >>> 8) & 0xff;
    out[at++] = (n >>> 16) & 0xff;
    out[at++] = n >>> 24;
  }
  out.set(input.subarray(from, to), at);
  return at + length;
}

/**
 * A copy of `length` bytes from `offset` back, as the reference encoder splits it: 64-byte copies
 * while more than 67 remain (so the rest is never under 4), then one 2-byte-offset copy, or a
 * 1-byte-offset copy when it fits (length 4–11, offset under 2048).
 */
function emitCopy(out: Uint8Array, at: number, offset: number, length: number): number {
  while (length >= 68) {
    at = emitCopy2(out, at, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    at = emitCopy2(out, at, offset, 60);
    length -= 60;
  }
  if (length >= 12 || offset >= 2048) return emitCopy2(out, at, offset, length);
  out[at++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
  out[at++] = offset & 0xff;
  return at;
}

function emitCopy2(out: Uint8Array, at: number, offset: number, length: number): number {
  out[at++] = 2 | ((length - 1) << 2);
  out[at++] = offset & 0xff;
  out[at++] = offset >>> 8;
  return at;
}

/**
 * The input of {@link snappyCompress} back from its output (any valid snappy block stream).
 * Needed only to split a body the receiver refused as too large (HTTP 413): the compressed body
 * is all a queued request keeps, so splitting it costs nothing until a receiver asks for it.
 * Throws a `RangeError` on a malformed stream.
 */
export function snappyDecompress(input: Uint8Array): Uint8Array {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= input.length || shift > 28) throw new RangeError('snappy: bad length');
    const byte = input[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  const out = new Uint8Array(length);
  let written = 0;
  while (at < input.length) {
    const tag = input[at++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        n = 0;
        for (let i = 0; i < bytes; i++) n += input[at++]! * 2 ** (8 * i);
      }
      n += 1;
      if (at + n > input.length || written + n > length) throw new RangeError('snappy: literal out of range');
      out.set(input.subarray(at, at + n), written);
      at += n;
      written += n;
      continue;
    }
    let copyLength: number;
    let offset: number;
    if (kind === 1) {
      copyLength = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[at++]!;
    } else if (kind === 2) {
      copyLength = (tag >>> 2) + 1;
      offset = input[at]! | (input[at + 1]! << 8);
      at += 2;
    } else {
      copyLength = (tag >>> 2) + 1;
      offset = (input[at]! | (input[at + 1]! << 8) | (input[at + 2]! << 16) | (input[at + 3]! << 24)) >>> 0;
      at += 4;
    }
    if (offset === 0 || offset > written || written + copyLength > length) throw new RangeError('snappy: copy out of range');
    // Byte by byte: a copy may overlap the bytes it writes (a run).
    for (let i = 0; i < copyLength; i++, written++) out[written] = out[written - offset]!;
  }
  if (written !== length) throw new RangeError('snappy: short stream');
  return out;
}
