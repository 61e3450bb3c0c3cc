/**
 * Re-encodes a screenshot (8-bit RGB or RGBA PNG, as Chromium writes them) as an indexed PNG of
 * at most `colors` colours, so the README's picture stays small in the npm package. A flat page
 * has few colours besides the anti-aliasing of its text: the palette takes the most frequent
 * colours, skipping any closer than `minDistance` to one already taken (so the grey ramps of
 * text do not crowd out the status reds and greens), and every pixel gets its nearest one.
 * Node's zlib is all it needs.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

export interface IndexedPngOptions {
  readonly colors: number;
  /** Euclidean RGB distance below which a colour is merged into one already in the palette. */
  readonly minDistance: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function decode(png: Buffer): { width: number; height: number; channels: number; pixels: Buffer } {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const kind = png.toString('latin1', at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (kind === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) throw new Error('expected an 8-bit RGB or RGBA PNG without interlacing');
      channels = colorType === 6 ? 4 : 3;
    } else if (kind === 'IDAT') data.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const left = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const corner = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      let predicted = 0;
      if (filter === 1) predicted = left;
      else if (filter === 2) predicted = up;
      else if (filter === 3) predicted = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - corner;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - corner)];
        predicted = pa <= pb && pa <= pc ? left : pb <= pc ? up : corner;
      }
      pixels[y * stride + x] = (raw[y * (stride + 1) + 1 + x]! + predicted) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

function chunk(kind: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(kind, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

const distance2 = (a: number, b: number) => ((a >> 16) - (b >> 16)) ** 2 + (((a >> 8) & 0xff) - ((b >> 8) & 0xff)) ** 2 + ((a & 0xff) - (b & 0xff)) ** 2;

export function toIndexedPng(png: Buffer, options: IndexedPngOptions): Buffer {
  const { width, height, channels, pixels } = decode(png);
  const rgb = (i: number) => (pixels[i * channels]! << 16) | (pixels[i * channels + 1]! << 8) | pixels[i * channels + 2]!;
  const counts = new Map<number, number>();
  for (let i = 0; i < width * height; i++) counts.set(rgb(i), (counts.get(rgb(i)) ?? 0) + 1);
  const min2 = options.minDistance ** 2;
  const palette: number[] = [];
  for (const [color] of [...counts].sort((a, b) => b[1] - a[1])) {
    if (palette.length === Math.min(options.colors, 256)) break;
    if (palette.every((taken) => distance2(taken, color) >= min2)) palette.push(color);
  }
  const nearest = new Map<number, number>();
  const indexOf = (color: number) => {
    let index = nearest.get(color);
    if (index === undefined) {
      index = 0;
      for (let j = 1; j < palette.length; j++) if (distance2(palette[j]!, color) < distance2(palette[index]!, color)) index = j;
      nearest.set(color, index);
    }
    return index;
  };
  const rows = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = indexOf(rgb(y * width + x));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 3;
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((color, j) => plte.set([color >> 16, (color >> 8) & 0xff, color & 0xff], j * 3));
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('PLTE', plte), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
