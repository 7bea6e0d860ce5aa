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
import { adjustSharpnessNative } from '../../native-image.js';

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
