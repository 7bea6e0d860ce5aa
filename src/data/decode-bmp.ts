/**
 * `decodeBmp`: Windows bitmaps, which libvips (inside sharp) does not read.
 * The common variants: 1-, 4- and 8-bit palettes, 16-bit (5-5-5 by default),
 * 24-bit BGR and 32-bit, uncompressed (BI_RGB) or with channel masks
 * (BI_BITFIELDS, BI_ALPHABITFIELDS), bottom-up or top-down, with any of the
 * usual info headers (12, 40, 52, 56, 64, 108, 124 bytes). Pixels come out as
 * Pillow reads them: a 32-bit BI_RGB image's fourth byte is padding, not
 * alpha; an alpha mask gives RGBA, unless every alpha is 0 (writers that
 * leave it unset), which reads as opaque. RLE, JPEG and PNG inside a BMP are
 * refused by name, as is a truncated or oversized file.
 *
 * @example
 * const { data, width, height, channels } = decodeBmp(readFileSync('scan.bmp'), { name: 'scan.bmp' });
 */
import { DataError } from '../errors.js';

/** Decoded pixels: RGB or RGBA, 8 bits, rows top to bottom. */
export interface BmpPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bits: number;
  compression: number;
  pixelOffset: number;
  dibSize: number;
  colorsUsed: number;
}

const COMPRESSION_NAMES: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 4: 'JPEG', 5: 'PNG' };
const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

function fail(name: string, expected: string, got: string): never {
  throw new DataError(`decodeImage: expected ${expected} in ${name}, but got ${got}`);
}

function readHeader(b: Buffer, name: string): BmpHeader {
  if (b.length < 26 || b.toString('latin1', 0, 2) !== 'BM') fail(name, 'a BMP file header', `${b.length} bytes`);
  const dibSize = b.readUInt32LE(14);
  if (![12, 40, 52, 56, 64, 108, 124].includes(dibSize))
    fail(name, 'a BMP info header of 12, 40, 52, 56, 64, 108 or 124 bytes', `${dibSize}`);
  if (b.length < 14 + dibSize) fail(name, `a BMP info header of ${dibSize} bytes`, `a file of ${b.length} bytes`);
  const core = dibSize === 12;
  const height = core ? b.readInt16LE(20) : b.readInt32LE(22);
  return {
    width: core ? b.readInt16LE(18) : b.readInt32LE(18),
    height: Math.abs(height),
    topDown: height < 0,
    bits: b.readUInt16LE(core ? 24 : 28),
    compression: core ? BI_RGB : b.readUInt32LE(30),
    pixelOffset: b.readUInt32LE(10),
    dibSize,
    colorsUsed: core ? 0 : b.readUInt32LE(46),
  };
}

/** Width and height from a BMP's header, or null when it is not one. @example bmpSize(bytes); // { width: 64, height: 48 } */
export function bmpSize(b: Uint8Array): { width: number; height: number } | null {
  const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  try {
    const h = readHeader(bytes, '');
    return h.width > 0 && h.height > 0 ? { width: h.width, height: h.height } : null;
  } catch {
    return null;
  }
}

/** The R, G, B (and A) masks: from the header, after it (BI_BITFIELDS with a 40-byte header), or the defaults. */
function channelMasks(b: Buffer, h: BmpHeader, name: string): number[] {
  if (h.compression === BI_RGB) return h.bits === 16 ? [0x7c00, 0x3e0, 0x1f, 0] : [0xff0000, 0xff00, 0xff, 0];
  const count = h.compression === BI_ALPHABITFIELDS || h.dibSize >= 56 ? 4 : 3;
  if (b.length < 54 + 4 * count) fail(name, 'BMP channel masks', 'a truncated header');
  const masks = Array.from({ length: count }, (_, i) => b.readUInt32LE(54 + 4 * i));
  return count === 3 ? [...masks, 0] : masks;
}

/** 8-bit value of `mask`'s bits in `v` (masks of any width and position). */
function maskedValue(v: number, mask: number): number {
  if (mask === 0) return 0;
  const shift = 31 - Math.clz32(mask & -mask);
  const max = mask >>> shift;
  return Math.floor((((v & mask) >>> shift) * 255) / max); // Pillow truncates too
}

function palette(b: Buffer, h: BmpHeader, name: string): Buffer[] {
  const count = h.colorsUsed || 2 ** h.bits;
  const entry = h.dibSize === 12 ? 3 : 4;
  const start = 14 + h.dibSize;
  if (count > 2 ** h.bits || start + count * entry > b.length) fail(name, `a BMP palette of ${count} colours`, 'a truncated file');
  return Array.from({ length: count }, (_, i) => {
    const at = start + i * entry;
    return Buffer.from([b[at + 2], b[at + 1], b[at]]);
  });
}

/**
 * Decodes a BMP file's bytes; `name` is the file in errors, `maxPixels` the largest width × height accepted.
 *
 * @example
 * const pixels = decodeBmp(bytes, { name: 'a.bmp', maxPixels: 1e8 });
 */
export function decodeBmp(b: Buffer, options: { name: string; maxPixels?: number }): BmpPixels {
  const { name } = options;
  const h = readHeader(b, name);
  if (h.compression in COMPRESSION_NAMES)
    fail(name, 'an uncompressed or bit-field BMP', `${COMPRESSION_NAMES[h.compression]} compression (convert it to PNG)`);
  if (![BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(h.compression)) fail(name, 'a known BMP compression', `${h.compression}`);
  if (![1, 4, 8, 16, 24, 32].includes(h.bits)) fail(name, 'a BMP of 1, 4, 8, 16, 24 or 32 bits per pixel', `${h.bits}`);
  if (h.width <= 0 || h.height <= 0) fail(name, 'a BMP of positive width and height', `${h.width}x${h.height}`);
  if (options.maxPixels !== undefined && h.width * h.height > options.maxPixels) {
    fail(name, `at most ${options.maxPixels} pixels (raise decode.maxPixels if the image is trusted)`, `${h.width}x${h.height}`);
  }
  const stride = Math.ceil((h.width * h.bits) / 32) * 4;
  if (h.pixelOffset + stride * h.height > b.length) fail(name, `${stride * h.height} bytes of BMP pixels`, 'a truncated file');
  const masks = h.bits >= 16 ? channelMasks(b, h, name) : [];
  const colours = h.bits <= 8 ? palette(b, h, name) : [];
  const channels = masks[3] ? 4 : 3;
  const out = Buffer.alloc(h.width * h.height * channels);
  for (let y = 0; y < h.height; y++) {
    const row = h.pixelOffset + (h.topDown ? y : h.height - 1 - y) * stride;
    for (let x = 0; x < h.width; x++) {
      const at = (y * h.width + x) * channels;
      if (h.bits <= 8) {
        const bit = x * h.bits;
        const index = (b[row + (bit >> 3)] >> (8 - h.bits - (bit & 7))) & ((1 << h.bits) - 1);
        (colours[index] ?? colours[0]).copy(out, at);
      } else if (h.bits === 24 && h.compression === BI_RGB) {
        out[at] = b[row + x * 3 + 2];
        out[at + 1] = b[row + x * 3 + 1];
        out[at + 2] = b[row + x * 3];
      } else {
        const v = h.bits === 16 ? b.readUInt16LE(row + x * 2) : h.bits === 24 ? b.readUIntLE(row + x * 3, 3) : b.readUInt32LE(row + x * 4);
        for (let c = 0; c < channels; c++) out[at + c] = maskedValue(v, masks[c]);
      }
    }
  }
  return channels === 4 ? opaqueWhenUnset(out, h.width, h.height) : { data: out, width: h.width, height: h.height, channels: 3 };
}

/** Every alpha 0 means the writer left it unset: the image is opaque RGB (as a viewer shows it). */
function opaqueWhenUnset(rgba: Buffer, width: number, height: number): BmpPixels {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 0) return { data: rgba, width, height, channels: 4 };
  const rgb = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) rgba.copy(rgb, p * 3, p * 4, p * 4 + 3);
  return { data: rgb, width, height, channels: 3 };
}
