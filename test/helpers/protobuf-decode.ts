/**
 * A small protobuf wire-format reader for tests, independent of promkit's encoder: it turns a
 * message into its fields by number (varints as numbers, fixed64 as doubles, length-delimited as
 * bytes), so a test can check the MetricFamily messages the endpoint writes field by field.
 */

export type Field = { readonly wire: 0; readonly value: number } | { readonly wire: 1; readonly value: number } | { readonly wire: 2; readonly value: Uint8Array };
export type Message = Map<number, Field[]>;

function readVarint(bytes: Uint8Array, at: { offset: number }): number {
  let value = 0;
  let multiplier = 1;
  for (;;) {
    const byte = bytes[at.offset++];
    if (byte === undefined) throw new Error('truncated varint');
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return value;
    multiplier *= 128;
  }
}

export function decodeMessage(bytes: Uint8Array): Message {
  const fields: Message = new Map();
  const at = { offset: 0 };
  while (at.offset < bytes.length) {
    const key = readVarint(bytes, at);
    const number = Math.floor(key / 8);
    const wire = key % 8;
    let field: Field;
    if (wire === 0) field = { wire, value: readVarint(bytes, at) };
    else if (wire === 1) {
      field = { wire, value: Buffer.from(bytes.buffer, bytes.byteOffset + at.offset, 8).readDoubleLE(0) };
      at.offset += 8;
    } else if (wire === 2) {
      const length = readVarint(bytes, at);
      field = { wire, value: bytes.subarray(at.offset, at.offset + length) };
      at.offset += length;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(number, [...(fields.get(number) ?? []), field]);
  }
  return fields;
}

/** Splits a varint-length-delimited stream into its messages. */
export function decodeDelimited(bytes: Uint8Array): Message[] {
  const messages: Message[] = [];
  const at = { offset: 0 };
  while (at.offset < bytes.length) {
    const length = readVarint(bytes, at);
    messages.push(decodeMessage(bytes.subarray(at.offset, at.offset + length)));
    at.offset += length;
  }
  return messages;
}

export const unzigzag = (value: number): number => (value % 2 === 0 ? value / 2 : -(value + 1) / 2);
export const text = (field: Field | undefined): string => (field?.wire === 2 ? Buffer.from(field.value).toString('utf8') : '');
export const num = (field: Field | undefined): number | undefined => (field === undefined || field.wire === 2 ? undefined : field.value);
export const sub = (field: Field | undefined): Message => (field?.wire === 2 ? decodeMessage(field.value) : new Map());

/** A packed repeated sint64 field, decoded. */
export function packedSints(field: Field | undefined): number[] {
  if (field?.wire !== 2) return [];
  const values: number[] = [];
  const at = { offset: 0 };
  while (at.offset < field.value.length) values.push(unzigzag(readVarint(field.value, at)));
  return values;
}

/** A `MetricFamily`'s name and its metrics' label pairs, in a shape tests can compare. */
export function labelsOf(metric: Message): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of metric.get(1) ?? []) {
    const fields = sub(pair);
    labels[text(fields.get(1)?.[0])] = text(fields.get(2)?.[0]);
  }
  return labels;
}
