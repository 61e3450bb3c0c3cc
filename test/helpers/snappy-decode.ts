/**
 * A snappy block decoder written from the format description, independent of the encoder. It
 * also counts elements, so tests can tell real compression (copies) from literals only.
 */
export function snappyDecode(bytes: Uint8Array): { data: Uint8Array; copies: number; literals: number } {
  let at = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
  }
  const data = new Uint8Array(length);
  let written = 0;
  let copies = 0;
  let literals = 0;
  while (at < bytes.length) {
    const tag = bytes[at++]!;
    const type = tag & 3;
    if (type === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        n = 0;
        for (let i = 0; i < extra; i++) n += bytes[at++]! * 2 ** (8 * i);
      }
      n += 1;
      if (at + n > bytes.length || written + n > length) throw new Error('literal overruns');
      data.set(bytes.subarray(at, at + n), written);
      at += n;
      written += n;
      literals++;
      continue;
    }
    let n: number;
    let offset: number;
    if (type === 1) {
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | bytes[at++]!;
    } else if (type === 2) {
      n = (tag >>> 2) + 1;
      offset = bytes[at]! | (bytes[at + 1]! << 8);
      at += 2;
    } else {
      n = (tag >>> 2) + 1;
      offset = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
      at += 4;
    }
    if (offset === 0 || offset > written || written + n > length) throw new Error(`bad copy offset ${offset} length ${n} at ${written}`);
    // Byte by byte: a copy may overlap its own output (a run).
    for (let i = 0; i < n; i++, written++) data[written] = data[written - offset]!;
    copies++;
  }
  if (written !== length) throw new Error(`decoded ${written} bytes, header says ${length}`);
  return { data, copies, literals };
}
