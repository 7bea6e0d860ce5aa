/**
 * `Permute`: reorders the dimensions (torchvision.ops.misc.Permute), as a
 * layer so ConvNeXt and Swin can switch between NCHW and NHWC inside a
 * Sequential.
 *
 * @example
 * new Permute([0, 2, 3, 1]).forward(x); // NCHW to NHWC
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** A dimension permutation. */
export class Permute extends Module {
  readonly dims: readonly number[];

  constructor(dims: readonly number[]) {
    super();
    const sorted = [...dims].sort((a, b) => a - b);
    if (!sorted.every((d, i) => d === i))
      throw new TypeError(`Permute: expected a permutation of 0..${dims.length - 1}, but got ${JSON.stringify(dims)}`);
    this.dims = [...dims];
  }

  forward(x: Tensor): Tensor {
    return x.permute(this.dims);
  }
}
