/**
 * `LayerNorm`: normalises over the trailing `normalizedShape` dimensions,
 * with an affine `weight` (ones) and `bias` (zeros) of that shape, as
 * torch.nn.LayerNorm.
 *
 * @example
 * new LayerNorm(768, { eps: 1e-6 }).forward(tokens); // [N, L, 768]
 */
import { ones, zeros } from '../ops/creation.js';
import { layerNorm } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Options of `LayerNorm` (PyTorch's defaults: eps 1e-5, affine). */
export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
}

/** Layer normalisation (Ba, Kiros, Hinton, 2016). */
export class LayerNorm extends Module {
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0))
      throw new TypeError(`LayerNorm: expected normalizedShape of positive integers, but got ${JSON.stringify(normalizedShape)}`);
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    this.registerParameter('weight', affine ? ones(shape) : null);
    this.registerParameter('bias', affine ? zeros(shape) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}
