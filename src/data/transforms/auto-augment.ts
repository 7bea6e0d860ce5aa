/**
 * `AutoAugment` (Cubuk et al., 2019, "AutoAugment: Learning Augmentation
 * Strategies from Data"): one of a policy's 25 sub-policies drawn
 * uniformly, each of its two operations applied with its probability, at
 * its magnitude bin of 10, with a random sign for signed ops — torchvision
 * 0.14's ImageNet, CIFAR10 and SVHN policies, magnitude space and order of
 * draws (sub-policy, two probabilities, two signs), on the sample's `Rng`.
 *
 * @example
 * new AutoAugment({ policy: 'imagenet' }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { applyAugmentOp, randAugmentSpace } from './functional/augment-ops.js';
import type { AugmentOp } from './functional/augment-ops.js';
import { invertFast } from './functional/native-augment.js';
import { fillFor, fillSchema, interpolationSchema, parseOptions } from './options.js';
import type { Transform } from './transform.js';

/** One operation of a sub-policy: its name, probability and magnitude bin (null: the op takes none). */
export type PolicyOp = readonly [op: AugmentOp | 'Invert', probability: number, magnitudeBin: number | null];
type SubPolicy = readonly [PolicyOp, PolicyOp];

// torchvision's `AutoAugment._get_policies`, in its order (sub-policies are drawn by index).
const IMAGENET: readonly SubPolicy[] = [
  [
    ['Posterize', 0.4, 8],
    ['Rotate', 0.6, 9],
  ],
  [
    ['Solarize', 0.6, 5],
    ['AutoContrast', 0.6, null],
  ],
  [
    ['Equalize', 0.8, null],
    ['Equalize', 0.6, null],
  ],
  [
    ['Posterize', 0.6, 7],
    ['Posterize', 0.6, 6],
  ],
  [
    ['Equalize', 0.4, null],
    ['Solarize', 0.2, 4],
  ],
  [
    ['Equalize', 0.4, null],
    ['Rotate', 0.8, 8],
  ],
  [
    ['Solarize', 0.6, 3],
    ['Equalize', 0.6, null],
  ],
  [
    ['Posterize', 0.8, 5],
    ['Equalize', 1.0, null],
  ],
  [
    ['Rotate', 0.2, 3],
    ['Solarize', 0.6, 8],
  ],
  [
    ['Equalize', 0.6, null],
    ['Posterize', 0.4, 6],
  ],
  [
    ['Rotate', 0.8, 8],
    ['Color', 0.4, 0],
  ],
  [
    ['Rotate', 0.4, 9],
    ['Equalize', 0.6, null],
  ],
  [
    ['Equalize', 0.0, null],
    ['Equalize', 0.8, null],
  ],
  [
    ['Invert', 0.6, null],
    ['Equalize', 1.0, null],
  ],
  [
    ['Color', 0.6, 4],
    ['Contrast', 1.0, 8],
  ],
  [
    ['Rotate', 0.8, 8],
    ['Color', 1.0, 2],
  ],
  [
    ['Color', 0.8, 8],
    ['Solarize', 0.8, 7],
  ],
  [
    ['Sharpness', 0.4, 7],
    ['Invert', 0.6, null],
  ],
  [
    ['ShearX', 0.6, 5],
    ['Equalize', 1.0, null],
  ],
  [
    ['Color', 0.4, 0],
    ['Equalize', 0.6, null],
  ],
  [
    ['Equalize', 0.4, null],
    ['Solarize', 0.2, 4],
  ],
  [
    ['Solarize', 0.6, 5],
    ['AutoContrast', 0.6, null],
  ],
  [
    ['Invert', 0.6, null],
    ['Equalize', 1.0, null],
  ],
  [
    ['Color', 0.6, 4],
    ['Contrast', 1.0, 8],
  ],
  [
    ['Equalize', 0.8, null],
    ['Equalize', 0.6, null],
  ],
];
const CIFAR10: readonly SubPolicy[] = [
  [
    ['Invert', 0.1, null],
    ['Contrast', 0.2, 6],
  ],
  [
    ['Rotate', 0.7, 2],
    ['TranslateX', 0.3, 9],
  ],
  [
    ['Sharpness', 0.8, 1],
    ['Sharpness', 0.9, 3],
  ],
  [
    ['ShearY', 0.5, 8],
    ['TranslateY', 0.7, 9],
  ],
  [
    ['AutoContrast', 0.5, null],
    ['Equalize', 0.9, null],
  ],
  [
    ['ShearY', 0.2, 7],
    ['Posterize', 0.3, 7],
  ],
  [
    ['Color', 0.4, 3],
    ['Brightness', 0.6, 7],
  ],
  [
    ['Sharpness', 0.3, 9],
    ['Brightness', 0.7, 9],
  ],
  [
    ['Equalize', 0.6, null],
    ['Equalize', 0.5, null],
  ],
  [
    ['Contrast', 0.6, 7],
    ['Sharpness', 0.6, 5],
  ],
  [
    ['Color', 0.7, 7],
    ['TranslateX', 0.5, 8],
  ],
  [
    ['Equalize', 0.3, null],
    ['AutoContrast', 0.4, null],
  ],
  [
    ['TranslateY', 0.4, 3],
    ['Sharpness', 0.2, 6],
  ],
  [
    ['Brightness', 0.9, 6],
    ['Color', 0.2, 8],
  ],
  [
    ['Solarize', 0.5, 2],
    ['Invert', 0.0, null],
  ],
  [
    ['Equalize', 0.2, null],
    ['AutoContrast', 0.6, null],
  ],
  [
    ['Equalize', 0.2, null],
    ['Equalize', 0.6, null],
  ],
  [
    ['Color', 0.9, 9],
    ['Equalize', 0.6, null],
  ],
  [
    ['AutoContrast', 0.8, null],
    ['Solarize', 0.2, 8],
  ],
  [
    ['Brightness', 0.1, 3],
    ['Color', 0.7, 0],
  ],
  [
    ['Solarize', 0.4, 5],
    ['AutoContrast', 0.9, null],
  ],
  [
    ['TranslateY', 0.9, 9],
    ['TranslateY', 0.7, 9],
  ],
  [
    ['AutoContrast', 0.9, null],
    ['Solarize', 0.8, 3],
  ],
  [
    ['Equalize', 0.8, null],
    ['Invert', 0.1, null],
  ],
  [
    ['TranslateY', 0.7, 9],
    ['AutoContrast', 0.9, null],
  ],
];
const SVHN: readonly SubPolicy[] = [
  [
    ['ShearX', 0.9, 4],
    ['Invert', 0.2, null],
  ],
  [
    ['ShearY', 0.9, 8],
    ['Invert', 0.7, null],
  ],
  [
    ['Equalize', 0.6, null],
    ['Solarize', 0.6, 6],
  ],
  [
    ['Invert', 0.9, null],
    ['Equalize', 0.6, null],
  ],
  [
    ['Equalize', 0.6, null],
    ['Rotate', 0.9, 3],
  ],
  [
    ['ShearX', 0.9, 4],
    ['AutoContrast', 0.8, null],
  ],
  [
    ['ShearY', 0.9, 8],
    ['Invert', 0.4, null],
  ],
  [
    ['ShearY', 0.9, 5],
    ['Solarize', 0.2, 6],
  ],
  [
    ['Invert', 0.9, null],
    ['AutoContrast', 0.8, null],
  ],
  [
    ['Equalize', 0.6, null],
    ['Rotate', 0.9, 3],
  ],
  [
    ['ShearX', 0.9, 4],
    ['Solarize', 0.3, 3],
  ],
  [
    ['ShearY', 0.8, 8],
    ['Invert', 0.7, null],
  ],
  [
    ['Equalize', 0.9, null],
    ['TranslateY', 0.6, 6],
  ],
  [
    ['Invert', 0.9, null],
    ['Equalize', 0.6, null],
  ],
  [
    ['Contrast', 0.3, 3],
    ['Rotate', 0.8, 4],
  ],
  [
    ['Invert', 0.8, null],
    ['TranslateY', 0.0, 2],
  ],
  [
    ['ShearY', 0.7, 6],
    ['Solarize', 0.4, 8],
  ],
  [
    ['Invert', 0.6, null],
    ['Rotate', 0.8, 4],
  ],
  [
    ['ShearY', 0.3, 7],
    ['TranslateX', 0.9, 3],
  ],
  [
    ['ShearX', 0.1, 6],
    ['Invert', 0.6, null],
  ],
  [
    ['Solarize', 0.7, 2],
    ['TranslateY', 0.6, 7],
  ],
  [
    ['ShearY', 0.8, 4],
    ['Invert', 0.8, null],
  ],
  [
    ['ShearX', 0.7, 9],
    ['TranslateY', 0.8, 3],
  ],
  [
    ['ShearY', 0.8, 5],
    ['AutoContrast', 0.7, null],
  ],
  [
    ['ShearX', 0.7, 2],
    ['Invert', 0.1, null],
  ],
];

/** The policies by name (torchvision's `AutoAugmentPolicy` values). */
export const AUTO_AUGMENT_POLICIES: Readonly<Record<'imagenet' | 'cifar10' | 'svhn', readonly SubPolicy[]>> = {
  imagenet: IMAGENET,
  cifar10: CIFAR10,
  svhn: SVHN,
};

/**
 * The signed magnitude an op of a sub-policy runs with: bin `bin` of
 * AutoAugment's space (RandAugment's at 10 bins), negated for a signed op
 * when `sign` is 0 (torchvision's convention); 0 for ops without one.
 *
 * @example
 * policyMagnitude('Rotate', 9, 0, 224, 224); // -30
 */
export function policyMagnitude(op: PolicyOp[0], bin: number | null, sign: number, height: number, width: number): number {
  if (op === 'Invert' || bin === null) return 0;
  const { magnitudes, signed } = randAugmentSpace(10, height, width)[op];
  const m = magnitudes === null ? 0 : magnitudes[bin];
  return signed && sign === 0 ? -m : m;
}

/**
 * One op of a policy at a signed magnitude: `applyAugmentOp`, and Invert.
 *
 * @example
 * applyPolicyOp(image, 'Invert', 0, { interpolation: 'nearest', fill: null });
 */
export function applyPolicyOp(
  image: RawImage,
  op: PolicyOp[0],
  magnitude: number,
  warp: { interpolation: 'nearest' | 'bilinear'; fill: readonly number[] | null },
): RawImage {
  return op === 'Invert' ? invertFast(image) : applyAugmentOp(image, { op, magnitude, ...warp });
}

export const autoAugmentSchema = z.strictObject({
  policy: z.enum(['imagenet', 'cifar10', 'svhn']).default('imagenet'),
  interpolation: interpolationSchema.default('nearest'),
  fill: fillSchema.nullable().default(null),
});
/** Options of `AutoAugment`. */
export type AutoAugmentOptions = z.input<typeof autoAugmentSchema>;

export class AutoAugment implements Transform {
  readonly name = 'AutoAugment';
  readonly options: z.output<typeof autoAugmentSchema>;

  constructor(options: AutoAugmentOptions = {}) {
    this.options = parseOptions(this.name, autoAugmentSchema, options);
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const policies = AUTO_AUGMENT_POLICIES[this.options.policy];
    const index = rng.int(0, policies.length);
    const probs = [rng.random(), rng.random()];
    const signs = [rng.int(0, 2), rng.int(0, 2)];
    return this.applySubPolicy(image, policies[index], { apply: probs.map((p, k) => p <= policies[index][k][1]), signs });
  }

  /**
   * Runs the ops of one sub-policy whose `apply` is true; a signed op's
   * magnitude is negated where `signs` is 0 (torchvision's convention).
   *
   * @example
   * autoAugment.applySubPolicy(image, AUTO_AUGMENT_POLICIES.imagenet[0], { apply: [true, true], signs: [1, 0] });
   */
  applySubPolicy(image: RawImage, sub: SubPolicy, draws: { apply: readonly boolean[]; signs: readonly number[] }): RawImage {
    const fill = this.options.fill === null ? null : fillFor(this.options.fill, image.channels);
    const warp = { interpolation: this.options.interpolation, fill };
    let out = image;
    sub.forEach(([op, , bin], k) => {
      if (draws.apply[k]) out = applyPolicyOp(out, op, policyMagnitude(op, bin, draws.signs[k], image.height, image.width), warp);
    });
    return out;
  }
}
