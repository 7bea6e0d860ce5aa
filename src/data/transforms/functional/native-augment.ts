/**
 * The AutoAugment-family operations that run in the image addon, on
 * `RawImage`s: the same bytes as the JavaScript functionals in `color.ts`
 * (torchvision's tensor formulas), at native speed. `applyAugmentOp` uses
 * these; the JavaScript versions stay as the readable definitions.
 *
 * @example
 * const sharper = adjustSharpnessFast(image, 1.8);
 */
import type { RawImage } from '../../image.js';
import { adjustSharpnessNative, channelHistograms, mapChannels } from '../../native-image.js';

const f32 = Math.fround;
/** A float stored into a Uint8Array: clamped to [0, 255], then truncated (as `Buffer` stores it in color.ts). */
const toByte = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v));

/** `image` with every value of channel c mapped through `luts[c * 256 + v]`. */
function mapped(image: RawImage, luts: Uint8Array): RawImage {
  return { data: mapChannels(image.data, image.channels, luts), width: image.width, height: image.height, channels: image.channels };
}

/** The same table for every channel. */
function everyChannel(channels: number, entry: (v: number) => number): Uint8Array {
  const luts = new Uint8Array(256 * channels);
  for (let v = 0; v < 256; v++) for (let c = 0; c < channels; c++) luts[c * 256 + v] = entry(v);
  return luts;
}

/**
 * `F.adjust_sharpness` (as `adjustSharpness` in color.ts), in the image addon.
 *
 * @example
 * adjustSharpnessFast(image, 0.3); // blurrier
 */
export function adjustSharpnessFast(image: RawImage, factor: number): RawImage {
  const data = adjustSharpnessNative(image.data, image.width, image.height, image.channels, factor);
  return { data, width: image.width, height: image.height, channels: image.channels };
}

/**
 * `posterize` (color.ts): keeps the top `bits` bits, through a table in the addon.
 *
 * @example
 * posterizeFast(image, 4);
 */
export function posterizeFast(image: RawImage, bits: number): RawImage {
  const mask = -(2 ** (8 - bits)) & 0xff;
  return mapped(
    image,
    everyChannel(image.channels, (v) => v & mask),
  );
}

/**
 * `solarize` (color.ts): inverts values at or above `threshold`, through a table in the addon.
 *
 * @example
 * solarizeFast(image, 128);
 */
export function solarizeFast(image: RawImage, threshold: number): RawImage {
  return mapped(
    image,
    everyChannel(image.channels, (v) => (v >= threshold ? 255 - v : v)),
  );
}

/**
 * `autocontrast` (color.ts): each channel stretched to 0-255, its range read from a native histogram.
 *
 * @example
 * autocontrastFast(image);
 */
export function autocontrastFast(image: RawImage): RawImage {
  const { channels } = image;
  const hist = channelHistograms(image.data, channels);
  const luts = new Uint8Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const h = hist.subarray(c * 256, c * 256 + 256);
    let lo = 255;
    let hi = 0;
    for (let v = 0; v < 256; v++) {
      if (h[v] === 0) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    // torchvision computes `255.0 / (max - min)` as a Python float over a tensor: reciprocal, then product.
    const scale = hi === lo ? 1 : f32(f32(1 / (hi - lo)) * 255);
    const min = hi === lo ? 0 : lo;
    for (let v = 0; v < 256; v++) luts[c * 256 + v] = toByte(f32((v - min) * scale));
  }
  return mapped(image, luts);
}

/**
 * `equalize` (color.ts, torchvision's `_scale_channel`) from native histograms, through tables in the addon.
 *
 * @example
 * equalizeFast(image);
 */
export function equalizeFast(image: RawImage): RawImage {
  const { channels } = image;
  const hist = channelHistograms(image.data, channels);
  const luts = new Uint8Array(256 * channels);
  for (let c = 0; c < channels; c++) {
    const h = hist.subarray(c * 256, c * 256 + 256);
    const lut = luts.subarray(c * 256, c * 256 + 256);
    let last = 255;
    while (last > 0 && h[last] === 0) last--;
    let total = 0;
    for (let v = 0; v < 256; v++) if (h[v] !== 0 && v !== last) total += h[v];
    const step = Math.floor(total / 255);
    let cum = 0;
    for (let v = 0; v < 256; v++) {
      lut[v] = step === 0 ? v : Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step));
      cum += h[v];
    }
  }
  return mapped(image, luts);
}

/**
 * `F.invert` on uint8: 255 - v, through a table in the addon.
 *
 * @example
 * invertFast(image);
 */
export function invertFast(image: RawImage): RawImage {
  return mapped(
    image,
    everyChannel(image.channels, (v) => 255 - v),
  );
}
