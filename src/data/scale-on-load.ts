/**
 * JPEG scale on load: when a pipeline's first step resizes a whole image
 * (`Resize`; the eval recipe's Resize 256 → CenterCrop 224), a JPEG much
 * bigger than the target is decoded smaller by libjpeg-turbo's DCT scaling
 * (each 8x8 block's inverse DCT computed at M x M, so each side is
 * ceil(side * M / 8)), then resized to the target with the usual antialiased
 * bilinear over the span the scaled pixels cover: Pillow's `draft()` +
 * `resize(box=...)`, which is what its `Image.thumbnail` runs, byte for byte
 * (tested). A 1024x768 photo decodes at 4/8, 512x384, for Resize(256)'s 341x256.
 *
 * The scale is the smallest of 1/8..4/8 still `scaleOnLoadGap` times the
 * target on both sides, so the resize that follows still reduces by 1.5x or
 * more. 5/8..7/8 are never used: they decode no faster than 8/8 (measured).
 * A JPEG no scale fits (for Resize 256: a shorter side under 768 pixels), a
 * crop (CenterCrop first, RandomResizedCrop) or `scaleOnLoad: false` keeps the
 * full decode: torchvision's bytes exactly. Scaled results are within a
 * level of torchvision's Resize on average (scale-on-load.test.ts).
 *
 * @example
 * scaleOnLoadSize({ resize: { width: 341, height: 256 } }, { channels: 3 }); // { width: 512, height: 384 }
 */
import type { DecodeOptions } from './decode.js';

/**
 * How much bigger than the resize target a scaled decode must stay, per side.
 * Measured against torchvision's Resize(256) + CenterCrop(224) of Pillow's full
 * decode: at 1.5x the mean difference is 0.61 to 0.86 level on generated photos
 * with thin lines over noise (largest 23) and 0.63 to 0.69 on bench:data's
 * photos (largest 9); at 1.1 to 1.17x it is 1.0 to 1.34 and 0.9. A 1024x768
 * JPEG then decodes in ~0.63 of the time of a full decode + resize.
 */
export const scaleOnLoadGap = 1.5;

/**
 * The `minSize` to decode a JPEG at before `plan`'s resize, or undefined for a
 * full-size decode: a plan with a crop (RandomResizedCrop, CenterCrop) or no
 * resize, or `decode.scaleOnLoad: false`.
 *
 * @example
 * scaleOnLoadSize({ crop: box, resize: { width: 224, height: 224 } }, { channels: 3 }); // undefined
 */
export function scaleOnLoadSize(
  plan: { crop?: unknown; resize?: { width: number; height: number } },
  decode: DecodeOptions,
): { width: number; height: number } | undefined {
  if (decode.scaleOnLoad === false || plan.crop !== undefined || plan.resize === undefined) return undefined;
  return { width: Math.ceil(plan.resize.width * scaleOnLoadGap), height: Math.ceil(plan.resize.height * scaleOnLoadGap) };
}
