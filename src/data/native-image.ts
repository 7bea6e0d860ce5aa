/**
 * The one place that loads the image addon (`native/image/`, through the
 * torch layer's `loadAddon`): JPEG decoding
 * with the system's libjpeg-turbo — the library Pillow uses, so decoded
 * bytes equal Pillow's — and the pixel kernels of the hot path (Pillow's
 * bilinear resize, the colour-jitter steps, the batch write). The addon
 * checks only memory safety; this module checks arguments and words messages.
 *
 * Why not sharp for these: sharp costs ~0.7 ms of CPU per call before any
 * pixel is decoded (measured: an 8x8 JPEG), more than Pillow needs to
 * decode a whole 256x256 one; and per-pixel loops in JavaScript cost
 * ~2 ns a value. sharp still decodes every other format, and JPEGs this
 * decoder leaves aside (CMYK, EXIF-rotated, damaged, past the pixel limit).
 *
 * @example
 * const out = await decodeJpeg(bytes, { channels: 3, crop: { left: 8, top: 4, width: 100, height: 80 }, resize: { width: 64, height: 64 } });
 * if (out.status === 'ok') console.log(out.width, out.height);
 */
import type { MemoryLease } from '../torch/binding.js';
import { loadAddon } from '../torch/load-addon.js';

/**
 * A rectangle in pixels. Declared with the native decoder (which crops to it) so the
 * transforms import it from here and nothing here imports the transforms.
 *
 * @example
 * const box: Box = { top: 10, left: 20, height: 64, width: 64 };
 */
export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * One step of a colour adjustment: brightness, contrast and saturation with
 * torchvision's uint8 tensor formulas (factor >= 0); hue as torchvision's
 * `adjust_hue` on a PIL image does it (Pillow's HSV conversion, a uint8 shift
 * of H; factor in [-0.5, 0.5]).
 */
export interface ColorStep {
  op: 'brightness' | 'contrast' | 'saturation' | 'hue';
  factor: number;
}

/**
 * What `decodeJpeg` runs, in order: decode (of `crop` only, or scaled on load
 * to `minSize`), resize (or only `cropAfterResize` of it), mirror, colour steps.
 */
export interface JpegRequest {
  channels: 1 | 3;
  crop?: Box;
  /**
   * Scale on load (not with `crop`): decode at the smallest of libjpeg-turbo's
   * DCT scales M/8 (M = 1..8; each side ceil(side * M / 8)) that is still at
   * least this size on both sides. Much cheaper than a full decode of a large
   * photo, but the pixels are no longer Pillow's full decode: a resize that
   * follows lands within about a level of the full-size one on average
   * (see `scaleOnLoadSize` in transforms/pipeline.ts). Absent, or no scale
   * below 8/8 large enough: full size, Pillow's bytes.
   */
  minSize?: { width: number; height: number };
  resize?: { width: number; height: number };
  /**
   * With `resize`, not with `crop`: keep only this crop of the resized image
   * (Resize then CenterCrop). Only its pixels are computed and only the source
   * rows and columns they read are decoded: the same bytes as cropping the
   * whole resize. A `mirror` flips the crop.
   */
  cropAfterResize?: Box;
  mirror?: boolean;
  colors?: readonly ColorStep[];
  maxPixels?: number;
}

/** 'unsupported': a valid file to hand to sharp; 'failed': not a readable JPEG (message from libjpeg). */
export type JpegResult =
  | {
      status: 'ok';
      data: Buffer;
      width: number;
      height: number;
      /** The DCT scale the JPEG was decoded at: M/8, 1 for a full-size decode. */
      scale: number;
    }
  | { status: 'unsupported' | 'failed'; message: string };

/** writeThroughTable's arguments: out, offset, src, pixels, channels, table, planar. */
type TableWrite<Out> = [out: Out, offset: number, src: Uint8Array, pixels: number, channels: 1 | 3, table: Float32Array, planar: boolean];

interface ImageBinding {
  decodeJpeg(
    bytes: Uint8Array,
    request: object,
  ): Promise<{ status: string; message: string; data?: Buffer; width?: number; height?: number; scale?: number }>;
  resampleBilinear(
    src: Uint8Array,
    width: number,
    height: number,
    channels: number,
    outWidth: number,
    outHeight: number,
    mirror: boolean,
  ): Buffer;
  adjustColors(src: Uint8Array, channels: number, steps: Float64Array): Buffer;
  adjustSharpness(src: Uint8Array, width: number, height: number, channels: number, factor: number): Buffer;
  channelHistograms(src: Uint8Array, channels: number): Uint32Array;
  mapChannels(src: Uint8Array, channels: number, luts: Uint8Array): Buffer;
  weightedBlend(src: Uint8Array, chains: Uint8Array[], weights: Float32Array): Buffer;
  affineNearest(src: Uint8Array, width: number, height: number, channels: number, matrix: Float64Array, fill: Float64Array | null): Buffer;
  affineBilinear(src: Uint8Array, width: number, height: number, channels: number, matrix: Float64Array, fill: Float64Array | null): Buffer;
  writeThroughTable(...args: TableWrite<Float32Array>): void;
  writeThroughTableAsync(...args: TableWrite<Float32Array | MemoryLease>): Promise<void>;
  jpegLibraryVersion(): string;
}

const binding = loadAddon<ImageBinding>('classifier_training_image.node', 'the image addon', [
  'apt-get install -y libjpeg62-turbo-dev, then npm run build:native',
]);

const OPS = { brightness: 0, contrast: 1, saturation: 2, hue: 3 } as const;

function encodeSteps(steps: readonly ColorStep[]): Float64Array {
  const out = new Float64Array(steps.length * 2);
  steps.forEach((s, i) => {
    out[2 * i] = OPS[s.op];
    out[2 * i + 1] = s.factor;
  });
  return out;
}

/**
 * Decodes a JPEG on libuv's thread pool and runs the request's steps there;
 * the bytes must not change until it settles.
 *
 * @example
 * const r = await decodeJpeg(readFileSync('a.jpg'), { channels: 3, mirror: true });
 */
export async function decodeJpeg(bytes: Uint8Array, request: JpegRequest): Promise<JpegResult> {
  const { crop, minSize, resize, cropAfterResize: keep } = request;
  const out = await binding.decodeJpeg(bytes, {
    channels: request.channels,
    crop: crop === undefined ? undefined : [crop.left, crop.top, crop.width, crop.height],
    minSize: minSize === undefined ? undefined : [minSize.width, minSize.height],
    resize: resize === undefined ? undefined : [resize.width, resize.height],
    cropAfterResize: keep === undefined ? undefined : [keep.left, keep.top, keep.width, keep.height],
    mirror: request.mirror ?? false,
    colors: request.colors === undefined || request.colors.length === 0 ? undefined : encodeSteps(request.colors),
    maxPixels: request.maxPixels,
  });
  if (out.status === 'ok')
    return { status: 'ok', data: out.data as Buffer, width: out.width as number, height: out.height as number, scale: out.scale as number };
  return { status: out.status as 'unsupported' | 'failed', message: out.message };
}

/**
 * Pillow's `resize(size, BILINEAR)` of uint8 HWC pixels (1 or 3 channels);
 * `mirror` also flips left-right.
 *
 * @example
 * const big = resampleBilinear(pixels, 32, 24, 3, { width: 64, height: 48 }, false);
 */
export function resampleBilinear(
  src: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  size: { width: number; height: number },
  mirror: boolean,
): Buffer {
  return binding.resampleBilinear(src, width, height, channels, size.width, size.height, mirror);
}

/**
 * The colour steps in order on a copy of `src` (see `ColorStep` for each step's reference).
 *
 * @example
 * const out = adjustColorsNative(pixels, 3, [{ op: 'contrast', factor: 1.2 }]);
 */
export function adjustColorsNative(src: Uint8Array, channels: 1 | 3, steps: readonly ColorStep[]): Buffer {
  return binding.adjustColors(src, channels, encodeSteps(steps));
}

/**
 * torchvision's `F.adjust_sharpness` on uint8 HWC pixels (a new buffer;
 * synchronous, on the calling thread): the 3x3 smoothing of the interior,
 * then the float32 blend with it. Throws a TypeError on a factor < 0.
 *
 * @example
 * const sharper = adjustSharpnessNative(pixels, 224, 224, 3, 1.8);
 */
export function adjustSharpnessNative(src: Uint8Array, width: number, height: number, channels: 1 | 3, factor: number): Buffer {
  return binding.adjustSharpness(src, width, height, channels, factor);
}

/**
 * The nearest-neighbour affine warp of `affine` in
 * transforms/functional/geometry.ts (torchvision's `F.affine` on tensors)
 * on uint8 HWC pixels: `matrix` is the inverse matrix in float32 values,
 * `fill` one value per channel or null (zeros). Synchronous; a new buffer.
 *
 * @example
 * const rotated = affineNearestNative(pixels, 32, 32, 3, Float64Array.from(m.map(Math.fround)), null);
 */
export function affineNearestNative(
  src: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  matrix: Float64Array,
  fill: Float64Array | null,
): Buffer {
  return binding.affineNearest(src, width, height, channels, matrix, fill);
}

/**
 * The bilinear affine warp of `affine` in transforms/functional/geometry.ts
 * (torchvision's `F.affine` on tensors: `grid_sample`, zero padding, a fill
 * through the mask channel) on uint8 HWC pixels, with the arguments of
 * `affineNearestNative`. Synchronous; a new buffer. Throws a TypeError on
 * sizes that disagree or on non-finite matrix or fill values.
 *
 * @example
 * const rotated = affineBilinearNative(pixels, 32, 32, 3, Float64Array.from(m.map(Math.fround)), Float64Array.of(0, 0, 0));
 */
export function affineBilinearNative(
  src: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  matrix: Float64Array,
  fill: Float64Array | null,
): Buffer {
  return binding.affineBilinear(src, width, height, channels, matrix, fill);
}

/**
 * Per-channel histograms of interleaved uint8 pixels: entry `c * 256 + v`
 * counts the values v of channel c. Synchronous.
 *
 * @example
 * const hist = channelHistograms(pixels, 3); // Uint32Array(768)
 */
export function channelHistograms(src: Uint8Array, channels: 1 | 3): Uint32Array {
  return binding.channelHistograms(src, channels);
}

/**
 * Each value of interleaved uint8 pixels through its channel's 256-entry
 * table (`luts[c * 256 + v]`), into a new buffer. Synchronous.
 *
 * @example
 * const inverted = mapChannels(pixels, 1, Uint8Array.from({ length: 256 }, (_, v) => 255 - v));
 */
export function mapChannels(src: Uint8Array, channels: 1 | 3, luts: Uint8Array): Buffer {
  return binding.mapChannels(src, channels, luts);
}

/**
 * AugMix's float32 mix, into a new buffer: `weights[0] * src` plus
 * `weights[1 + k] * chains[k]` for each chain in order (every product and sum
 * rounded to float32), truncated to uint8. Every chain has `src`'s length. Synchronous.
 *
 * @example
 * const mixed = weightedBlend(image.data, [a.data, b.data], Float32Array.of(0.5, 0.25, 0.25));
 */
export function weightedBlend(src: Uint8Array, chains: Uint8Array[], weights: Float32Array): Buffer {
  return binding.weightedBlend(src, chains, weights);
}

/**
 * Writes `pixels` pixels of `src` through a per-channel 256-entry table into
 * `out` from `offset`: planar (CHW) or interleaved (HWC).
 *
 * @example
 * writeThroughTable(batch, i * 3 * 224 * 224, image.data, 224 * 224, 3, table, true);
 */
export function writeThroughTable(...args: TableWrite<Float32Array>): void {
  binding.writeThroughTable(...args);
}

/**
 * `writeThroughTable` on libuv's thread pool (the output's pages are first
 * touched there); `out` may be a tensor's `memoryLease()`. `out`, `src` and
 * `table` must not change until it settles; bad arguments reject.
 *
 * @example
 * await Promise.all(images.map((im, i) => writeThroughTableAsync(batch, i * size, im.data, pixels, 3, table, true)));
 */
export async function writeThroughTableAsync(...args: TableWrite<Float32Array | MemoryLease>): Promise<void> {
  await binding.writeThroughTableAsync(...args);
}

/** The JPEG library the addon was built with, e.g. "libjpeg-turbo 2.1.5 (libjpeg API 62)". */
export function jpegLibraryVersion(): string {
  return binding.jpegLibraryVersion();
}
