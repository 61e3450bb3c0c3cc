import { describe, expect, it } from 'vitest';
import { ProtobufWriter, varintSize, zigzag } from '../../../src/exposition/protobuf-writer.js';
import { doubleOf, fixed64Of, readFields, stringOf, varintOf } from '../../helpers/protobuf-reader.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('ProtobufWriter', () => {
  it('writes varints as the protobuf encoding guide spells them', () => {
    // The guide's examples: 1 → 01, 150 → 9601; plus the edges of 1, 2 and 3 bytes and 2^53.
    expect(hex(new ProtobufWriter().varint(1).finish())).toBe('01');
    expect(hex(new ProtobufWriter().varint(150).finish())).toBe('9601');
    expect(hex(new ProtobufWriter().varint(127).finish())).toBe('7f');
    expect(hex(new ProtobufWriter().varint(128).finish())).toBe('8001');
    expect(hex(new ProtobufWriter().varint(16_384).finish())).toBe('808001');
    expect(hex(new ProtobufWriter().varint(2 ** 53).finish())).toBe('8080808080808010');
  });

  it('writes a negative int64 as its ten-byte two\'s complement', () => {
    expect(hex(new ProtobufWriter().int64(1, -1).finish())).toBe('08ffffffffffffffffff01');
  });

  it('zigzags sint64 values so small negatives stay short', () => {
    expect([0n, -1n, 1n, -2n, 2147483647n, -2147483648n].map(zigzag)).toEqual([0n, 1n, 2n, 3n, 4294967294n, 4294967295n]);
    expect(hex(new ProtobufWriter().sint64(1, -2).finish())).toBe('0803');
  });

  it('writes the guide\'s example messages byte for byte', () => {
    // message Test1 { int32 a = 1; } with a = 150; message Test2 { string b = 2; } with b = "testing".
    expect(hex(new ProtobufWriter().int64(1, 150).finish())).toBe('089601');
    expect(hex(new ProtobufWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    // message Test3 { Test1 c = 3; }
    expect(hex(new ProtobufWriter().message(3, (w) => w.int64(1, 150)).finish())).toBe('1a03089601');
  });

  it('round-trips doubles, fixed64, strings and timestamps through an independent reader', () => {
    const bytes = new ProtobufWriter(16)
      .double(1, 0.1)
      .double(2, -Infinity)
      .int64(3, 1_700_000_000_123)
      .string(4, 'häl"lo\n')
      .fixed64(5, 1_700_000_000_123_456_789n)
      .finish();
    const fields = readFields(bytes);
    expect(doubleOf(fields, 1)).toBe(0.1);
    expect(doubleOf(fields, 2)).toBe(-Infinity);
    expect(varintOf(fields, 3)).toBe(1_700_000_000_123n);
    expect(stringOf(fields, 4)).toBe('häl"lo\n');
    expect(fixed64Of(fields, 5)).toBe(1_700_000_000_123_456_789n);
  });

  it('moves a nested message whose length needs more than one byte, and nests several levels', () => {
    const long = 'x'.repeat(300);
    const bytes = new ProtobufWriter(16)
      .message(1, (outer) => {
        outer.string(1, long);
        outer.message(2, (inner) => inner.string(1, 'short').message(2, (deepest) => deepest.string(1, long + long)));
      })
      .int64(2, 7)
      .finish();
    const top = readFields(bytes);
    expect(varintOf(top, 2)).toBe(7n);
    const outer = readFields(top[0]!.value as Uint8Array);
    expect(stringOf(outer, 1)).toBe(long);
    const inner = readFields(outer[1]!.value as Uint8Array);
    expect(stringOf(inner, 1)).toBe('short');
    expect(stringOf(readFields(inner[1]!.value as Uint8Array), 1)).toBe(long + long);
  });

  it('sizes varints', () => {
    expect([0, 127, 128, 16_383, 16_384, 2 ** 28].map(varintSize)).toEqual([1, 1, 2, 2, 3, 5]);
  });
});
