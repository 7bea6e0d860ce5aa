/**
 * JPEG scale on load: when a pipeline's first step resizes a whole image
 * (`Resize`, the eval recipe's Resize 256 → CenterCrop 224), a JPEG much
 * bigger than the target is decoded smaller by libjpeg-turbo's DCT scaling
 * (M/8 of each side, M = 1..8, the inverse DCT of each 8x8 block computed at
 * M x M), then resized to the target with the usual antialiased bilinear. A
 * 1024x768 photo decodes at 5/8 (640x480) instead of 1024x768.
 *
 * The decoded size is the smallest M/8 that is still `scaleOnLoadGap` times
 * the resize target on both sides, so the antialiased resize that follows
 * still reduces by at least that much (Pillow's `reducing_gap`, which its
 * `thumbnail` runs on JPEG `draft`, is the same idea). Images that no scale
 * below 8/8 fits (up to about 2x the target) keep the full decode and give
 * torchvision's bytes exactly; scaled ones land within a level of them on
 * average (measured in scale-on-load.test.ts against torchvision's
 * Resize(256) + CenterCrop(224) of PIL decodes). RandomResizedCrop (a crop,
 * then a resize) always decodes at full size.
 *
 * @example
 * scaleOnLoadSize({ resize: { width: 341, height: 256 } }, { channels: 3 }); // { width: 427, height: 320 }
 */
import type { DecodeOptions } from './decode.js';

/**
 * How much bigger than the resize target the scaled decode must stay, per side.
 * Measured on photo-like JPEGs (scale-on-load.test.ts): at 1.25 the mean
 * difference from torchvision is ~0.6 level and the decode of a 1024x768
 * photo costs about half of a full one; a larger gap leaves fewer photos scaled.
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
