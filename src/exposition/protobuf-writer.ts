/**
 * A minimal protocol-buffers writer (https://protobuf.dev/programming-guides/encoding/): the
 * wire types promkit's encoders need, without a code generator or a dependency. Prometheus's
 * remote-write `WriteRequest` is encoded with it, and its `MetricFamily` (native histograms) can
 * be. Fields are written in the order called; callers write them in field-number order, as
 * protobuf encoders conventionally do, though parsers accept any order.
 */

/** Wire types of the encoding; groups (3, 4) are deprecated and not supported. */
export const WIRE_TYPE = Object.freeze({ varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 });

const textEncoder = new TextEncoder();

/**
 * Appends fields to a growing byte buffer. Nested messages are written in place by
 * {@link ProtobufWriter.message}: one byte is reserved for the length and the body is moved only
 * when its length needs more (128 bytes or longer), so small messages (labels, samples) are
 * never copied.
 */
export class ProtobufWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 0;

  constructor(initialCapacity = 1024) {
    this.#buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buffer.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** The encoded bytes (a view of the internal buffer: copy it before writing more). */
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #reserve(bytes: number): void {
    const needed = this.#length + bytes;
    if (needed <= this.#buffer.length) return;
    let capacity = this.#buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  /**
   * An unsigned varint. Values up to 2^53 are exact as numbers; larger ones (and negative int64s,
   * which protobuf writes as 10-byte two's complement) go through {@link ProtobufWriter.varintBig}.
   */
  varint(value: number): this {
    if (value < 0 || !Number.isSafeInteger(value)) return this.varintBig(BigInt(Math.trunc(value)));
    this.#reserve(10);
    // Bitwise operators are 32-bit, so the high part is shifted down arithmetically.
    while (value > 0x7f) {
      this.#buffer[this.#length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.#buffer[this.#length++] = value;
    return this;
  }

  /** A varint of a 64-bit integer: negative values as their two's complement, as int64 fields are. */
  varintBig(value: bigint): this {
    let unsigned = BigInt.asUintN(64, value);
    this.#reserve(10);
    while (unsigned > 0x7fn) {
      this.#buffer[this.#length++] = Number(unsigned & 0x7fn) | 0x80;
      unsigned >>= 7n;
    }
    this.#buffer[this.#length++] = Number(unsigned);
    return this;
  }

  /** A field key: field number and wire type. */
  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** An `int64`/`uint64`/`int32`/`bool`/enum field (plain varint). */
  int64(field: number, value: number): this {
    return this.tag(field, WIRE_TYPE.varint).varint(value);
  }

  /** A `sint64`/`sint32` field: zigzag, so small negative numbers stay short. */
  sint64(field: number, value: number): this {
    this.tag(field, WIRE_TYPE.varint).#zigzagVarint(value);
    return this;
  }

  /** A `double` field: 8 bytes, little-endian IEEE 754. */
  double(field: number, value: number): this {
    this.tag(field, WIRE_TYPE.fixed64);
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
    return this;
  }

  /** A `fixed64` field (unsigned, little-endian), e.g. OTLP timestamps. */
  fixed64(field: number, value: bigint): this {
    this.tag(field, WIRE_TYPE.fixed64);
    this.#reserve(8);
    this.#view.setBigUint64(this.#length, BigInt.asUintN(64, value), true);
    this.#length += 8;
    return this;
  }

  /**
   * A `string` field, UTF-8. Names and label values are nearly always ASCII: those are copied
   * byte by byte with no intermediate array (encoding each through `TextEncoder` allocated one
   * per string, most of a remote-write encode's time); anything else goes through the encoder.
   */
  string(field: number, value: string): this {
    const length = value.length;
    if (length < 128) {
      let ascii = true;
      for (let i = 0; i < length; i++) {
        if (value.charCodeAt(i) > 0x7f) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.tag(field, WIRE_TYPE.lengthDelimited);
        this.#reserve(1 + length);
        const buffer = this.#buffer;
        let at = this.#length;
        buffer[at++] = length;
        for (let i = 0; i < length; i++) buffer[at++] = value.charCodeAt(i);
        this.#length = at;
        return this;
      }
    }
    return this.bytes(field, textEncoder.encode(value));
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_TYPE.lengthDelimited).varint(value.length);
    this.#reserve(value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
    return this;
  }

  /** An embedded message field whose body `write` appends to this writer. */
  message(field: number, write: (writer: this) => void): this {
    const start = this.begin(field);
    write(this);
    return this.end(start);
  }

  /**
   * Starts an embedded message field without a closure (the exposition's hot loops): writes the
   * tag and reserves one byte for the length; pass the result to {@link ProtobufWriter.end}.
   */
  begin(field: number): number {
    this.tag(field, WIRE_TYPE.lengthDelimited);
    return this.beginDelimited();
  }

  /** Starts a bare length prefix (no tag): the `encoding=delimited` framing of a message stream. */
  beginDelimited(): number {
    this.#reserve(1);
    return this.#length++;
  }

  /** Ends the message begun at `start`: writes its length, moving the body only when the length needs more than one byte. */
  end(start: number): this {
    const bodyLength = this.#length - start - 1;
    const lengthBytes = varintSize(bodyLength);
    if (lengthBytes > 1) {
      this.#reserve(lengthBytes - 1);
      this.#buffer.copyWithin(start + lengthBytes, start + 1, this.#length);
      this.#length += lengthBytes - 1;
    }
    let value = bodyLength;
    for (let i = 0; i < lengthBytes; i++) {
      this.#buffer[start + i] = i === lengthBytes - 1 ? value : (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    return this;
  }

  /** A packed repeated `sint64` field (native-histogram bucket deltas). */
  packedSint64(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const start = this.begin(field);
    for (const value of values) this.#zigzagVarint(value);
    return this.end(start);
  }

  /** Zigzag without BigInt for the safe-integer range (every count and index promkit writes). */
  #zigzagVarint(value: number): void {
    if (Number.isSafeInteger(value) && Math.abs(value) < 2 ** 52) this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
    else this.varintBig(zigzag(BigInt(Math.trunc(value))));
  }

  /** A copy of the bytes written so far, as a Buffer; the writer starts over, keeping its capacity. */
  take(): Buffer {
    const bytes = Buffer.from(this.#buffer.subarray(0, this.#length));
    this.#length = 0;
    return bytes;
  }
}

/** Bytes a varint of `value` (a non-negative safe integer) takes. */
export function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Zigzag mapping of a signed 64-bit integer: 0, -1, 1, -2 → 0, 1, 2, 3. */
export function zigzag(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}
