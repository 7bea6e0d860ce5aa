/**
 * PIL's `Image.resize(size, BILINEAR)` on uint8 HWC pixels, bit for bit:
 * Pillow's `precompute_coeffs` for the triangle filter in 22-bit fixed
 * point, a horizontal pass (over the rows the vertical pass reads) into a
 * uint8 image, then a vertical pass. The kernel is native
 * (`native/image/kernels.cc`). `mirror` writes the horizontal pass right to
 * left, which gives exactly `hflip(resize(x))` without a separate flip pass.
 *
 * @example
 * const big = resamplePil(image, { width: 224, height: 224 }, { mirror: true });
 */
import type { RawImage } from '../../image.js';
import { resampleBilinear } from '../../native-image.js';

/**
 * PIL's `Image.resize(..., BILINEAR)` on uint8 pixels: horizontal pass, then
 * vertical; `mirror: true` also flips left-right (exactly `hflip` of the result).
 *
 * @example
 * resamplePil(image, { width: 64, height: 48 });
 */
export function resamplePil(image: RawImage, size: { width: number; height: number }, options: { mirror?: boolean } = {}): RawImage {
  const data = resampleBilinear(image.data, image.width, image.height, image.channels, size, options.mirror ?? false);
  return { data, width: size.width, height: size.height, channels: image.channels };
}
