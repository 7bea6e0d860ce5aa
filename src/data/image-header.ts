/**
 * Image size from the first bytes of a JPEG, PNG or BMP file, in microseconds and
 * without a round trip through sharp: the size libvips will decode to after
 * EXIF auto-orientation (`metadata().autoOrient`), which is what random
 * crops are drawn on. Anything this parser is not sure of (other formats, a
 * PNG with an eXIf chunk, a malformed header) gives null, and the caller
 * asks sharp instead.
 *
 * @example
 * const size = readImageSize(await readFile('cat.jpg')); // { width: 500, height: 375 } or null
 */

import { bmpSize } from './decode-bmp.js';

/** Width and height in pixels, after EXIF orientation. */
export interface ImageSize {
  width: number;
  height: number;
  /** A JPEG's EXIF orientation, 1 to 8 (1: as stored); absent for other formats. */
  orientation?: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The decoded size of a JPEG, PNG or BMP held in `bytes`, or null when unsure.
 *
 * @example
 * readImageSize(jpegBytes); // { width: 256, height: 256 }
 */
export function readImageSize(bytes: Uint8Array): ImageSize | null {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes);
  if (bytes.length > 24 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return pngSize(bytes);
  if (bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d) return bmpSize(bytes);
  return null;
}

const be16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const be32 = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

/** SOF0-3, 5-7, 9-11, 13-15 carry the frame size (C4, C8 and CC are other markers). */
const isStartOfFrame = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegSize(b: Uint8Array): ImageSize | null {
  let i = 2;
  let orientation = 1;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    const length = be16(b, i + 2);
    if (length < 2 || i + 2 + length > b.length) return null;
    if (marker === 0xe1) {
      const found = exifOrientation(b, i + 4, i + 2 + length);
      if (found === null) return null;
      if (found > 0) orientation = found;
    } else if (isStartOfFrame(marker)) {
      if (length < 7) return null;
      const height = be16(b, i + 5);
      const width = be16(b, i + 7);
      if (width === 0 || height === 0) return null;
      return orientation >= 5 ? { width: height, height: width, orientation } : { width, height, orientation };
    }
    i += 2 + length;
  }
  return null;
}

/**
 * The EXIF orientation (1-8) in an APP1 payload [start, end); 1 when it has
 * no orientation tag; 0 when the segment is not EXIF (XMP); null when it is
 * EXIF but cannot be read (let sharp decide).
 */
function exifOrientation(b: Uint8Array, start: number, end: number): number | null {
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0];
  if (end - start < 14 || !exif.every((v, k) => b[start + k] === v)) return 0;
  const tiff = start + 6;
  const little = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  if (!little && !(b[tiff] === 0x4d && b[tiff + 1] === 0x4d)) return null;
  const u16 = (at: number): number => (little ? b[at] | (b[at + 1] << 8) : be16(b, at));
  const u32 = (at: number): number => (little ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0 : be32(b, at));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return null;
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > end) return null;
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + k * 12;
    if (u16(entry) !== 0x0112) continue;
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : null;
  }
  return 1;
}

function pngSize(b: Uint8Array): ImageSize | null {
  if (be32(b, 8) !== 13 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== 'IHDR') return null;
  const width = be32(b, 16);
  const height = be32(b, 20);
  if (width === 0 || height === 0) return null;
  // libvips orients PNGs by an eXIf chunk; it comes before the image data when present.
  for (let i = 8; i + 8 <= b.length;) {
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    if (type === 'eXIf') return null;
    if (type === 'IDAT' || type === 'IEND') return { width, height };
    i += 12 + be32(b, i);
  }
  return null;
}

/** Image formats told apart by their first bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'bmp' | 'svg' | 'heif';

const ascii = (b: Uint8Array, at: number, text: string): boolean => [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

/**
 * What the bytes of an image file are, whatever its name says; null when
 * none of the known formats. SVG is recognised by an `<svg` tag in its first kilobyte.
 *
 * @example
 * sniffImageFormat(await readFile('photo.jpg')); // 'svg' for an SVG saved as .jpg
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'gif';
  if (ascii(bytes, 0, 'II*\0') || ascii(bytes, 0, 'MM\0*') || ascii(bytes, 0, 'II+\0') || ascii(bytes, 0, 'MM\0+')) return 'tiff';
  if (bytes.length >= 26 && ascii(bytes, 0, 'BM')) return 'bmp';
  if (bytes.length >= 12 && ascii(bytes, 4, 'ftyp')) return 'heif';
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024)).toLowerCase();
  if (/^(\ufeff|\xef\xbb\xbf)?\s*</.test(head) && head.includes('<svg')) return 'svg';
  return null;
}
