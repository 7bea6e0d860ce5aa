/**
 * `AvgPool2d`: the mean of each window.
 *
 * @example
 * new AvgPool2d({ kernelSize: 2 }).forward(x); // halves H and W
 */
import { avgPool2d } from '../ops/nn-functional.js';
import type { Pool2dOptions } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Options of `AvgPool2d` (stride defaults to kernelSize; padding counts in the mean by default). */
export type AvgPool2dOptions = Pool2dOptions & { countIncludePad?: boolean; divisorOverride?: number };

/** 2-D average pooling. */
export class AvgPool2d extends Module {
  readonly options: AvgPool2dOptions;

  constructor(options: AvgPool2dOptions) {
    super();
    this.options = { ...options };
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }
}
