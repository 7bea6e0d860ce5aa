/**
 * Brightness, contrast and saturation in any order, natively
 * (`native/image/kernels.cc`), with exactly the bytes of running
 * `adjustBrightness`, `adjustContrast` and `adjustSaturation` one after the
 * other (torchvision's tensor semantics: each step blends in float32, clamps
 * to [0, 255] and truncates to uint8 before the next one reads it).
 *
 * @example
 * const out = adjustColors(image, [{ op: 'contrast', factor: 1.2 }, { op: 'brightness', factor: 0.8 }]);
 */
import type { RawImage } from '../../image.js';
import { adjustColorsNative } from '../../native-image.js';
import type { ColorStep } from '../../native-image.js';

export type { ColorStep } from '../../native-image.js';

/**
 * Runs the steps in order on a copy of `image` (the input is not changed).
 * Saturation leaves one-channel images as they are, as in torchvision.
 *
 * @example
 * adjustColors(image, [{ op: 'saturation', factor: 1.3 }, { op: 'contrast', factor: 0.9 }]);
 */
export function adjustColors(image: RawImage, steps: readonly ColorStep[]): RawImage {
  return {
    data: adjustColorsNative(image.data, image.channels, steps),
    width: image.width,
    height: image.height,
    channels: image.channels,
  };
}
