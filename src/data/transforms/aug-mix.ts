/**
 * `AugMix` (Hendrycks et al., 2020, "AugMix: A Simple Data Processing Method
 * to Improve Robustness and Uncertainty"): `mixtureWidth` chains of 1 to 3
 * random ops each, mixed with Dirichlet(alpha) weights, then blended with the
 * original image by a Beta(alpha, alpha) weight — torchvision 0.14's
 * `transforms.AugMix`: its op space (no Identity; Brightness, Color,
 * Contrast and Sharpness with `allOps`), magnitude bins 0..severity-1 of
 * 10, order of draws (Beta pair, chain weights, then per chain its depth
 * and per op its index, bin and sign), float32 mixing and truncation back
 * to uint8, on the sample's `Rng`.
 *
 * @example
 * new AugMix({ severity: 3 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { applyAugmentOp, augMixSpace } from './functional/augment-ops.js';
import type { AugmentOp, OpSpace } from './functional/augment-ops.js';
import { weightedBlend } from '../native-image.js';
import { fillFor, fillSchema, interpolationSchema, parseOptions } from './options.js';
import type { Transform } from './transform.js';

/** torchvision's `_PARAMETER_MAX`: the space has this many bins; severity picks the first ones. */
const MAGNITUDE_BINS = 10;

export const augMixSchema = z.strictObject({
  severity: z.number().int().min(1).max(MAGNITUDE_BINS).default(3),
  mixtureWidth: z.number().int().min(1).default(3),
  chainDepth: z
    .number()
    .int()
    .refine((d) => d === -1 || d >= 1, 'expected -1 (each chain draws a depth of 1 to 3) or a depth >= 1')
    .default(-1),
  alpha: z.number().positive().default(1),
  allOps: z.boolean().default(true),
  interpolation: interpolationSchema.default('bilinear'),
  fill: fillSchema.nullable().default(null),
});
/** Options of `AugMix`. */
export type AugMixOptions = z.input<typeof augMixSchema>;

/** One op of a chain at its signed magnitude. */
export interface AugMixStep {
  op: AugmentOp;
  magnitude: number;
}

/** Everything one AugMix call draws. */
export interface AugMixDraws {
  /** The Beta(alpha, alpha) pair as Dirichlet([alpha, alpha]): the original's weight, then the chains' share. */
  beta: readonly [number, number];
  /** The chains' Dirichlet(alpha, ..., alpha) weights, before they are scaled by `beta[1]`. */
  dirichlet: readonly number[];
  chains: readonly (readonly AugMixStep[])[];
}

/**
 * The blend weights as torchvision computes them, in float32: the
 * original's `beta[0]`, and chain i's `dirichlet[i] * beta[1]`.
 *
 * @example
 * augMixWeights([0.25, 0.75], [0.5, 0.5]); // { original: 0.25, chains: [0.375, 0.375] }
 */
export function augMixWeights(beta: readonly [number, number], dirichlet: readonly number[]): { original: number; chains: number[] } {
  const share = Math.fround(beta[1]);
  return { original: Math.fround(beta[0]), chains: dirichlet.map((d) => Math.fround(Math.fround(d) * share)) };
}

/**
 * `original * w0 + sum_i chain_i * w_i` in float32, in torchvision's order
 * (each product rounded to float32, then added), converted to uint8 as
 * `Tensor.to(torch.uint8)` does: truncated, not rounded. Computed in the
 * image addon (`weightedBlend`) in float32 arithmetic.
 *
 * @example
 * augMixBlend(image, [chain0, chain1], { original: 0.5, chains: [0.25, 0.25] });
 */
export function augMixBlend(
  original: RawImage,
  augmented: readonly RawImage[],
  weights: { original: number; chains: readonly number[] },
): RawImage {
  const n = original.data.length;
  augmented.forEach((image, k) => {
    if (image.data.length !== n)
      throw new RangeError(`AugMix: expected chain ${k} to keep the image size ${n}, but got ${image.data.length}`);
  });
  // In the image addon: the same float32 products and sums, in the same order.
  const w = Float32Array.from([weights.original, ...weights.chains.slice(0, augmented.length)]);
  const out = weightedBlend(
    original.data,
    augmented.map((image) => image.data),
    w,
  );
  return { ...original, data: out };
}

export class AugMix implements Transform {
  readonly name = 'AugMix';
  readonly options: z.output<typeof augMixSchema>;
  #space: { key: string; ops: [AugmentOp, OpSpace][] } | null = null;

  constructor(options: AugMixOptions = {}) {
    this.options = parseOptions(this.name, augMixSchema, options);
  }

  apply(image: RawImage, rng: Rng): RawImage {
    return this.applyDraws(image, this.draw(rng, image.height, image.width));
  }

  /**
   * Draws the weights and chains for an image of this size, in torchvision's order.
   *
   * @example
   * augMix.draw(rng, 224, 224).chains.length; // 3
   */
  draw(rng: Rng, height: number, width: number): AugMixDraws {
    const { severity, mixtureWidth, chainDepth, alpha } = this.options;
    const space = this.#spaceFor(height, width);
    const beta = rng.dirichlet([alpha, alpha]);
    const dirichlet = rng.dirichlet(new Array<number>(mixtureWidth).fill(alpha));
    const chains = Array.from({ length: mixtureWidth }, () => {
      const depth = chainDepth > 0 ? chainDepth : rng.int(1, 4);
      return Array.from({ length: depth }, (): AugMixStep => {
        const [op, { magnitudes, signed }] = space[rng.int(0, space.length)];
        const magnitude = magnitudes === null ? 0 : magnitudes[rng.int(0, severity)];
        return { op, magnitude: signed && rng.int(0, 2) === 1 ? -magnitude : magnitude };
      });
    });
    return { beta: [beta[0], beta[1]], dirichlet, chains };
  }

  /**
   * Runs every chain on `image` and blends them with the original.
   *
   * @example
   * augMix.applyDraws(image, { beta: [0.5, 0.5], dirichlet: [1], chains: [[{ op: 'Rotate', magnitude: 10 }]] });
   */
  applyDraws(image: RawImage, draws: AugMixDraws): RawImage {
    const augmented = draws.chains.map((chain) => this.applyChain(image, chain));
    return augMixBlend(image, augmented, augMixWeights(draws.beta, draws.dirichlet));
  }

  /**
   * One chain: its ops in order, with this transform's interpolation and fill.
   *
   * @example
   * augMix.applyChain(image, [{ op: 'Solarize', magnitude: 200 }, { op: 'Rotate', magnitude: -10 }]);
   */
  applyChain(image: RawImage, chain: readonly AugMixStep[]): RawImage {
    const { interpolation } = this.options;
    const fill = this.options.fill === null ? null : fillFor(this.options.fill, image.channels);
    return chain.reduce((img, step) => applyAugmentOp(img, { ...step, interpolation, fill }), image);
  }

  #spaceFor(height: number, width: number): [AugmentOp, OpSpace][] {
    const key = `${height}x${width}`;
    if (this.#space?.key !== key) this.#space = { key, ops: augMixSpace(MAGNITUDE_BINS, height, width, this.options.allOps) };
    return this.#space.ops;
  }
}
