/**
 * The operations of torchvision's AutoAugment family (`_apply_op`) and the
 * magnitude tables of RandAugment, TrivialAugmentWide and AugMix, on uint8 images.
 *
 * @example
 * applyAugmentOp(image, { op: 'Rotate', magnitude: 9, interpolation: 'nearest', fill: null });
 */
import type { RawImage } from '../../image.js';
import { roundHalfEven } from './color.js';
import { adjustColors } from './fused-color.js';
import { affine } from './geometry.js';
import { adjustSharpnessFast, autocontrastFast, equalizeFast, posterizeFast, solarizeFast } from './native-augment.js';

/** Operation names, in torchvision's order (the order matters: ops are drawn by index). */
export const augmentOps = [
  'Identity',
  'ShearX',
  'ShearY',
  'TranslateX',
  'TranslateY',
  'Rotate',
  'Brightness',
  'Color',
  'Contrast',
  'Sharpness',
  'Posterize',
  'Solarize',
  'AutoContrast',
  'Equalize',
] as const;
export type AugmentOp = (typeof augmentOps)[number];

/** Magnitude bins of one op (`null`: the op takes none) and whether its sign is random. */
export interface OpSpace {
  magnitudes: number[] | null;
  signed: boolean;
}

const linspace = (a: number, b: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.fround(n === 1 ? a : a + ((b - a) * i) / (n - 1)));
const posterizeBins = (start: number, n: number, div: number): number[] =>
  Array.from({ length: n }, (_, i) => start - roundHalfEven(Math.fround(i / Math.fround((n - 1) / div))));

/** RandAugment's `_augmentation_space(num_bins, (height, width))`. */
export function randAugmentSpace(numBins: number, height: number, width: number): Record<AugmentOp, OpSpace> {
  return {
    Identity: { magnitudes: null, signed: false },
    ShearX: { magnitudes: linspace(0, 0.3, numBins), signed: true },
    ShearY: { magnitudes: linspace(0, 0.3, numBins), signed: true },
    TranslateX: { magnitudes: linspace(0, (150 / 331) * width, numBins), signed: true },
    TranslateY: { magnitudes: linspace(0, (150 / 331) * height, numBins), signed: true },
    Rotate: { magnitudes: linspace(0, 30, numBins), signed: true },
    Brightness: { magnitudes: linspace(0, 0.9, numBins), signed: true },
    Color: { magnitudes: linspace(0, 0.9, numBins), signed: true },
    Contrast: { magnitudes: linspace(0, 0.9, numBins), signed: true },
    Sharpness: { magnitudes: linspace(0, 0.9, numBins), signed: true },
    Posterize: { magnitudes: posterizeBins(8, numBins, 4), signed: false },
    Solarize: { magnitudes: linspace(255, 0, numBins), signed: false },
    AutoContrast: { magnitudes: null, signed: false },
    Equalize: { magnitudes: null, signed: false },
  };
}

/** TrivialAugmentWide's `_augmentation_space(num_bins)`. */
export function trivialAugmentWideSpace(numBins: number): Record<AugmentOp, OpSpace> {
  return {
    Identity: { magnitudes: null, signed: false },
    ShearX: { magnitudes: linspace(0, 0.99, numBins), signed: true },
    ShearY: { magnitudes: linspace(0, 0.99, numBins), signed: true },
    TranslateX: { magnitudes: linspace(0, 32, numBins), signed: true },
    TranslateY: { magnitudes: linspace(0, 32, numBins), signed: true },
    Rotate: { magnitudes: linspace(0, 135, numBins), signed: true },
    Brightness: { magnitudes: linspace(0, 0.99, numBins), signed: true },
    Color: { magnitudes: linspace(0, 0.99, numBins), signed: true },
    Contrast: { magnitudes: linspace(0, 0.99, numBins), signed: true },
    Sharpness: { magnitudes: linspace(0, 0.99, numBins), signed: true },
    Posterize: { magnitudes: posterizeBins(8, numBins, 6), signed: false },
    Solarize: { magnitudes: linspace(255, 0, numBins), signed: false },
    AutoContrast: { magnitudes: null, signed: false },
    Equalize: { magnitudes: null, signed: false },
  };
}

/**
 * AugMix's `_augmentation_space(num_bins, (height, width))`, in its order
 * (ops are drawn by index; there is no Identity): the geometric and
 * histogram ops, then, with `allOps`, Brightness, Color, Contrast and Sharpness.
 *
 * @example
 * augMixSpace(10, 224, 224, true).length; // 13
 */
export function augMixSpace(numBins: number, height: number, width: number, allOps: boolean): [AugmentOp, OpSpace][] {
  const signed = (b: number): OpSpace => ({ magnitudes: linspace(0, b, numBins), signed: true });
  const space: [AugmentOp, OpSpace][] = [
    ['ShearX', signed(0.3)],
    ['ShearY', signed(0.3)],
    ['TranslateX', signed(width / 3)],
    ['TranslateY', signed(height / 3)],
    ['Rotate', signed(30)],
    ['Posterize', { magnitudes: posterizeBins(4, numBins, 4), signed: false }],
    ['Solarize', { magnitudes: linspace(255, 0, numBins), signed: false }],
    ['AutoContrast', { magnitudes: null, signed: false }],
    ['Equalize', { magnitudes: null, signed: false }],
  ];
  if (allOps) space.push(['Brightness', signed(0.9)], ['Color', signed(0.9)], ['Contrast', signed(0.9)], ['Sharpness', signed(0.9)]);
  return space;
}

/** One op with a signed magnitude: torchvision's `_apply_op`. `fill` null is zero padding. */
export function applyAugmentOp(
  image: RawImage,
  options: { op: AugmentOp; magnitude: number; interpolation: 'nearest' | 'bilinear'; fill: readonly number[] | null },
): RawImage {
  const { op, magnitude: m, interpolation, fill } = options;
  const warp = { interpolation, fill };
  const shear = (Math.atan(m) * 180) / Math.PI;
  switch (op) {
    case 'Identity':
      return image;
    case 'ShearX':
      return affine(image, { angle: 0, translate: [0, 0], scale: 1, shear: [shear, 0], center: [0, 0] }, warp);
    case 'ShearY':
      return affine(image, { angle: 0, translate: [0, 0], scale: 1, shear: [0, shear], center: [0, 0] }, warp);
    case 'TranslateX':
      return affine(image, { angle: 0, translate: [Math.trunc(m), 0], scale: 1, shear: [0, 0] }, warp);
    case 'TranslateY':
      return affine(image, { angle: 0, translate: [0, Math.trunc(m)], scale: 1, shear: [0, 0] }, warp);
    case 'Rotate':
      return affine(image, { angle: -m, translate: [0, 0], scale: 1, shear: [0, 0] }, warp);
    // The pixel ops run in the image addon (native-augment.ts), with the bytes of color.ts's functionals.
    case 'Brightness':
      return adjustColors(image, [{ op: 'brightness', factor: 1 + m }]);
    case 'Color':
      return adjustColors(image, [{ op: 'saturation', factor: 1 + m }]);
    case 'Contrast':
      return adjustColors(image, [{ op: 'contrast', factor: 1 + m }]);
    case 'Sharpness':
      return adjustSharpnessFast(image, 1 + m);
    case 'Posterize':
      return posterizeFast(image, Math.trunc(m));
    case 'Solarize':
      return solarizeFast(image, m);
    case 'AutoContrast':
      return autocontrastFast(image);
    case 'Equalize':
      return equalizeFast(image);
  }
}
