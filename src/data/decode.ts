/**
 * Image decoding: JPEGs stored upright with the native decoder
 * (`native-image.ts`, libjpeg-turbo: the bytes Pillow decodes), and any
 * format sharp (libvips) reads (JPEG, PNG, WebP, GIF, TIFF, AVIF/HEIF, SVG)
 * with sharp, and BMP (which libvips does not read) with `decode-bmp.ts`
 * into the same sharp pipeline, to 8-bit RGB or grey pixels.
 *
 * What it does, and why:
 * - EXIF orientation is applied (as PIL's `ImageOps.exif_transpose` would);
 * - animations give their first frame (PIL opens frame 0 too);
 * - transparency is composited on `background`, white by default: a
 *   transparent PNG of a dark logo stays readable, and white is what most
 *   image viewers show (PIL's `convert('RGB')` drops alpha, which shows
 *   whatever colour hides under transparent pixels, usually black);
 * - 16-bit, CMYK, palette and grey inputs come out as 8-bit sRGB; one channel
 *   uses PIL's "L" weights so it matches `Image.convert('L')`. A CMYK JPEG
 *   without an embedded profile is converted through libvips' CMYK profile,
 *   while PIL uses a naive formula: such pixels can differ from PIL's by tens
 *   of levels (the colour-managed result is the faithful one);
 * - broken files and images past `maxPixels` throw a `DataError` that names the file;
 * - the format is what the bytes are, from an allowlist (JPEG, PNG, WebP,
 *   GIF, TIFF, BMP; SVG only when asked: rendering hostile SVG can take
 *   minutes), and each decode has a time limit (`timeoutSeconds`).
 *
 * @example
 * const image = await decodeImage('cat.jpg', { channels: 3 }); // RawImage
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { DataError } from '../errors.js';
import { decodeBmp } from './decode-bmp.js';
import { fromSharp, toGrayscale } from './image.js';
import { readImageSize, sniffImageFormat } from './image-header.js';
import type { ImageFormat, ImageSize } from './image-header.js';
import { decodeJpeg } from './native-image.js';
import type { RawImage } from './image.js';

/** How to decode: output channels, the colour under transparency, and a size limit. */
export interface DecodeOptions {
  channels: 1 | 3;
  /** RGB 0-255 under transparent pixels; default white [255, 255, 255]. */
  background?: [number, number, number];
  /** Largest width × height accepted; default 178956970 (PIL's `MAX_IMAGE_PIXELS` × 2, where PIL raises). */
  maxPixels?: number;
  /** The file a Buffer source was read from, for messages. */
  name?: string;
  /**
   * Formats decoded, told by the bytes (never the file name); default
   * `defaultImageFormats`. SVG (a renderer, slow on hostile input) only when listed.
   */
  formats?: readonly ImageFormat[];
  /** Longest decode of one image, in whole seconds, before it is refused naming the file; default 30. */
  timeoutSeconds?: number;
  /**
   * JPEG scale on load before a Resize (see `scaleOnLoadSize`): default true, within
   * about a level of torchvision's result; false decodes every JPEG at full size (Pillow's bytes).
   */
  scaleOnLoad?: boolean;
}

/** The formats decoded unless `formats` says otherwise: no SVG, HEIF or anything else libvips could load. */
export const defaultImageFormats: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'bmp'];

/** Seconds one image may take to decode by default. */
export const defaultDecodeTimeoutSeconds = 30;

/** PIL raises `DecompressionBombError` above twice its `MAX_IMAGE_PIXELS` (89478485). */
export const defaultMaxPixels = 178_956_970;

/** A readable name for a source in messages. */
export function describeSource(source: string | Buffer): string {
  return typeof source === 'string' ? source : `<buffer of ${source.length} bytes>`;
}

/**
 * A sharp reader with the decode policy: pixel limit, strict errors, first
 * frame, orientation. Callers add geometry (extract, resize) before `finishDecode`.
 *
 * @example
 * const pixels = await finishDecode(openImage('a.jpg', options).resize(64), 'a.jpg', options);
 */
export function openImage(source: string | Buffer, options: DecodeOptions): Sharp {
  const format = checkFormat(typeof source === 'string' ? readHead(source) : source, source, options);
  const limits = { limitInputPixels: options.maxPixels ?? defaultMaxPixels, failOn: 'error', sequentialRead: true } as const;
  const timeout = { seconds: options.timeoutSeconds ?? defaultDecodeTimeoutSeconds };
  if (format === 'bmp') {
    // libvips reads no BMP: our decoder's pixels go on through the same sharp pipeline.
    const name = typeof source === 'string' ? source : (options.name ?? describeSource(source));
    const bmp = decodeBmp(typeof source === 'string' ? readWhole(source, options) : source, {
      name,
      maxPixels: options.maxPixels ?? defaultMaxPixels,
    });
    const raw = { width: bmp.width, height: bmp.height, channels: bmp.channels };
    return sharp(bmp.data, { ...limits, raw }).timeout(timeout);
  }
  return sharp(source, { ...limits, pages: 1, page: 0 })
    .timeout(timeout)
    .autoOrient();
}

function readWhole(file: string, options: DecodeOptions): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw decodeError(file, options, error);
  }
}

/**
 * The size of an image from its header: the parser's for JPEG, PNG and BMP,
 * sharp's for the other formats (after EXIF orientation).
 *
 * @example
 * const { width, height } = await imageSize('scan.bmp');
 */
export async function imageSize(source: string | Buffer, options: { maxPixels?: number } = {}): Promise<{ width: number; height: number }> {
  const header = readImageSize(typeof source === 'string' ? readHead(source) : source);
  if (header !== null) return { width: header.width, height: header.height };
  const meta = await sharp(source, { limitInputPixels: options.maxPixels ?? defaultMaxPixels }).metadata();
  return meta.autoOrient ?? { width: meta.width, height: meta.height };
}

function readHead(file: string): Buffer {
  const head = Buffer.alloc(1024);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } catch {
    return Buffer.alloc(0); // sharp reports the unreadable file itself
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Refuses bytes that are not one of the allowed formats, naming the file and what it really is. */
function checkFormat(bytes: Uint8Array, source: string | Buffer, options: DecodeOptions): ImageFormat | null {
  if (bytes.length === 0) return null;
  const allowed = options.formats ?? defaultImageFormats;
  const format = sniffImageFormat(bytes);
  if (format !== null && allowed.includes(format)) return format;
  const where = typeof source === 'string' ? source : (options.name ?? describeSource(source));
  const what = format === null ? 'bytes of no known image format' : `${format.toUpperCase()} data`;
  throw new DataError(
    `decodeImage: expected an image in one of ${allowed.join(', ')} in ${where}, but got ${what}${format === 'svg' ? " (add 'svg' to decode.formats if the file is trusted)" : ''}`,
  );
}

/**
 * Flattens alpha, converts to 8-bit sRGB and returns the pixels with the
 * requested channels; wraps sharp's errors in a `DataError` naming the file.
 *
 * @example
 * await finishDecode(openImage(buf, { channels: 3 }), buf, { channels: 3 });
 */
export async function finishDecode(pipeline: Sharp, source: string | Buffer, options: DecodeOptions): Promise<RawImage> {
  const background = options.background ?? [255, 255, 255];
  try {
    const rgb = await fromSharp(
      pipeline.flatten({ background: { r: background[0], g: background[1], b: background[2] } }).toColourspace('srgb'),
      3,
    );
    return options.channels === 1 ? toGrayscale(rgb) : rgb;
  } catch (error) {
    throw decodeError(source, options, error);
  }
}

/** The DataError for a failed decode (also used for failed header reads). */
export function decodeError(source: string | Buffer, options: DecodeOptions, error: unknown): DataError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const where = typeof source === 'string' ? source : (options.name ?? describeSource(source));
  if (/timeout/i.test(reason)) {
    return new DataError(
      `decodeImage: expected ${where} to decode within ${options.timeoutSeconds ?? defaultDecodeTimeoutSeconds} s, but it took longer (raise decode.timeoutSeconds if the image is trusted)`,
      { cause: error },
    );
  }
  if (/pixel limit/i.test(reason)) {
    return new DataError(
      `decodeImage: expected at most ${options.maxPixels ?? defaultMaxPixels} pixels in ${where}, but got more (raise decode.maxPixels if the image is trusted)`,
      { cause: error },
    );
  }
  return new DataError(`decodeImage: expected a readable image in ${where}, but got: ${reason}`, { cause: error });
}

/**
 * Whether the native decoder takes a file with this header: a JPEG stored
 * upright (EXIF orientation 1). Rotated JPEGs and other formats go to sharp.
 *
 * @example
 * if (decodesNatively(readImageSize(bytes))) await decodeJpeg(bytes, { channels: 3 });
 */
export function decodesNatively(header: ImageSize | null): boolean {
  return header?.orientation === 1;
}

/**
 * Decodes a file or buffer: JPEGs stored upright with the native decoder
 * (libjpeg-turbo: Pillow's bytes), everything else — and JPEGs it leaves
 * aside — with sharp. EXIF orientation applied, first frame of animations,
 * alpha composited on `background` (white by default), 16-bit/CMYK/palette/
 * grayscale → 8-bit `channels`; throws DataError naming the file on failure
 * or past `maxPixels`.
 *
 * @example
 * const { data, width, height } = await decodeImage('dog.png', { channels: 3 });
 */
export async function decodeImage(source: string | Buffer, options: DecodeOptions): Promise<RawImage> {
  let bytes: Buffer;
  try {
    bytes = typeof source === 'string' ? await readFile(source) : source;
  } catch (error) {
    throw decodeError(source, options, error);
  }
  if (decodesNatively(readImageSize(bytes))) {
    const out = await decodeJpeg(bytes, { channels: options.channels, maxPixels: options.maxPixels ?? defaultMaxPixels });
    if (out.status === 'ok') return { data: out.data, width: out.width, height: out.height, channels: options.channels };
  }
  let pipeline: Sharp;
  try {
    pipeline = openImage(bytes, { ...options, name: options.name ?? (typeof source === 'string' ? source : undefined) });
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw decodeError(source, options, error);
  }
  return finishDecode(pipeline, source, options);
}
