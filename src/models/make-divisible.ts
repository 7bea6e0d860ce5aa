/**
 * torchvision's `_make_divisible` (from TensorFlow's MobileNet): rounds a
 * channel count to the nearest multiple of `divisor`, never below
 * `minValue` and never more than 10% below `v`. The MobileNets and
 * EfficientNets size every layer with it, so a width multiplier gives
 * torchvision's exact channel counts.
 *
 * @example
 * makeDivisible(32 * 1.1, 8); // 32
 * makeDivisible(96 / 4, 8);   // 24
 */
export function makeDivisible(v: number, divisor: number, minValue: number = divisor): number {
  // Python's int() truncates toward zero; channel counts are positive, so floor is the same.
  const rounded = Math.max(minValue, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}
