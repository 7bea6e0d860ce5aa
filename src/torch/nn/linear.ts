/**
 * `Linear`: y = x Wᵀ + b, with `weight` [out, in] and `bias` [out] initialised
 * as PyTorch does, so one seed gives PyTorch's initial weights.
 *
 * @example
 * const fc = new Linear(512, 10);
 * const logits = fc.forward(features); // [N, 10]
 */
import { empty } from '../ops/creation.js';
import { linear } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';

/** A fully connected layer. */
export class Linear extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new TypeError(`Linear: expected a non-negative integer for ${name}, but got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.registerParameter('bias', (options.bias ?? true) ? empty([outFeatures]) : null);
    this.resetParameters();
  }

  /** PyTorch's default: kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
