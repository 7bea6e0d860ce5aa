/**
 * `MaxPool2d`: the largest value in each window.
 *
 * @example
 * new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }).forward(x);
 */
import { maxPool2d } from '../ops/nn-functional.js';
import type { Pool2dOptions } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Options of `MaxPool2d` (stride defaults to kernelSize). */
export type MaxPool2dOptions = Pool2dOptions & { dilation?: number | readonly [number, number] };

/** 2-D max pooling. */
export class MaxPool2d extends Module {
  readonly options: MaxPool2dOptions;

  constructor(options: MaxPool2dOptions) {
    super();
    this.options = { ...options };
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}
