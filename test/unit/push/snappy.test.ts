import { describe, expect, it } from 'vitest';
import { maxCompressedLength, snappyCompress } from '../../../src/push/snappy.js';
import { snappyDecode } from '../../helpers/snappy-decode.js';

/** A deterministic pseudo-random generator (xorshift), so "incompressible" input is the same every run. */
function noise(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('snappyCompress', () => {
  it('encodes empty input as the single length byte 0', () => {
    expect([...snappyCompress(new Uint8Array(0))]).toEqual([0]);
  });

  it('writes short input as one literal after its length', () => {
    expect([...snappyCompress(utf8('abc'))]).toEqual([3, 2 << 2, 97, 98, 99]);
  });

  it('compresses repetitive text with copies, and it decodes back exactly', () => {
    const text = utf8(
      Array.from({ length: 200 }, (_, i) => `http_server_request_duration_seconds_bucket{http_route="/users/:id",le="${i % 14}"} ${i * 7}\n`).join(''),
    );
    const compressed = snappyCompress(text);
    const decoded = snappyDecode(compressed);
    expect(decoded.data).toEqual(text);
    expect(decoded.copies).toBeGreaterThan(100);
    // Metric exposition repeats names and labels on every line: well under a quarter of the size.
    expect(compressed.length).toBeLessThan(text.length / 4);
  });

  it('round-trips a long run (copies overlapping their own output, split at 64 bytes)', () => {
    const run = new Uint8Array(10_000).fill(120);
    const { data, copies } = snappyDecode(snappyCompress(run));
    expect(data).toEqual(run);
    expect(copies).toBeGreaterThan(100);
  });

  it('round-trips input of several 64 KiB blocks mixing noise and repeats, within the worst-case size', () => {
    const parts = [noise(70_000), utf8('abcdefgh'.repeat(20_000)), noise(1_000, 7), utf8('x'), noise(65_536, 11)];
    const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      input.set(part, at);
      at += part.length;
    }
    const compressed = snappyCompress(input);
    expect(compressed.length).toBeLessThanOrEqual(maxCompressedLength(input.length));
    expect(snappyDecode(compressed).data).toEqual(input);
  });

  it('round-trips every length from 0 to 300 of structured input (block edges, margins, copy forms)', () => {
    const source = utf8('label="value",other="value",label="x"'.repeat(10));
    for (let n = 0; n <= 300; n++) {
      const input = source.subarray(0, n);
      expect(snappyDecode(snappyCompress(input)).data, `length ${n}`).toEqual(input);
    }
  });

  it('uses 1-byte-offset copies for short near matches and 2-byte offsets for far ones', () => {
    const near = snappyCompress(utf8('0123456789-0123456789-0123456789'));
    expect(near.some((byte, i) => i > 0 && (byte & 3) === 1)).toBe(true);
    const far = new Uint8Array(5000);
    far.set(utf8('a distinctive phrase that repeats'), 0);
    far.set(noise(4000, 3), 40);
    far.set(utf8('a distinctive phrase that repeats'), 4500);
    const { data, copies } = snappyDecode(snappyCompress(far));
    expect(data).toEqual(far);
    expect(copies).toBeGreaterThan(0);
  });
});
