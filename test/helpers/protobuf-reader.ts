/**
 * A small protocol-buffers reader for tests, written independently of the encoder it checks:
 * it splits a message into its fields (number, wire type, raw value) so each test decodes only
 * the fields it asserts on. Supports varint, fixed64, length-delimited and fixed32.
 */

export interface Field {
  readonly field: number;
  readonly wireType: number;
  /** Varints as bigint; fixed64 as its 8 bytes; length-delimited as its bytes; fixed32 as its 4 bytes. */
  readonly value: bigint | Uint8Array;
}

export function readVarint(bytes: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
    if (shift > 63n) throw new Error(`varint longer than 10 bytes at ${offset}`);
  }
  throw new Error(`truncated varint at ${offset}`);
}

/** Every field of one message, in wire order; throws on truncation or an unknown wire type. */
export function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    offset = key.next;
    const field = Number(key.value >> 3n);
    const wireType = Number(key.value & 7n);
    if (wireType === 0) {
      const varint = readVarint(bytes, offset);
      fields.push({ field, wireType, value: varint.value });
      offset = varint.next;
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (offset + size > bytes.length) throw new Error(`truncated fixed field ${field}`);
      fields.push({ field, wireType, value: bytes.subarray(offset, offset + size) });
      offset += size;
    } else if (wireType === 2) {
      const length = readVarint(bytes, offset);
      offset = length.next;
      const end = offset + Number(length.value);
      if (end > bytes.length) throw new Error(`truncated length-delimited field ${field}`);
      fields.push({ field, wireType, value: bytes.subarray(offset, end) });
      offset = end;
    } else {
      throw new Error(`unsupported wire type ${wireType} for field ${field}`);
    }
  }
  return fields;
}

/** The values of field `number`, in order. */
export function valuesOf(fields: readonly Field[], number: number): (bigint | Uint8Array)[] {
  return fields.filter((f) => f.field === number).map((f) => f.value);
}

export function bytesOf(fields: readonly Field[], number: number): Uint8Array[] {
  return valuesOf(fields, number).map((v) => {
    if (!(v instanceof Uint8Array)) throw new Error(`field ${number} is not length-delimited`);
    return v;
  });
}

export function stringOf(fields: readonly Field[], number: number): string | undefined {
  const [bytes] = bytesOf(fields, number);
  return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
}

export function varintOf(fields: readonly Field[], number: number): bigint | undefined {
  const [value] = valuesOf(fields, number);
  if (value !== undefined && typeof value !== 'bigint') throw new Error(`field ${number} is not a varint`);
  return value;
}

export function doubleOf(fields: readonly Field[], number: number): number | undefined {
  const [value] = bytesOf(fields, number);
  if (value === undefined) return undefined;
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(0, true);
}

export function fixed64Of(fields: readonly Field[], number: number): bigint | undefined {
  const [value] = bytesOf(fields, number);
  if (value === undefined) return undefined;
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(0, true);
}

/** Packed repeated fixed64 (`repeated double`/`fixed64` in proto3): 8 bytes each. */
export function packedFixed64(bytes: Uint8Array | undefined): DataView[] {
  if (bytes === undefined) return [];
  const out: DataView[] = [];
  for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(new DataView(bytes.buffer, bytes.byteOffset + i, 8));
  return out;
}
