/**
 * `AdaptiveAvgPool2d`: average pooling to a fixed output size, whatever the
 * input size (ResNet's global pooling is `[1, 1]`).
 *
 * @example
 * new AdaptiveAvgPool2d([1, 1]).forward(x); // [N, C, 1, 1]
 */
import { adaptiveAvgPool2d } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Adaptive 2-D average pooling. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | readonly [number, number];

  constructor(outputSize: number | readonly [number, number]) {
    super();
    this.outputSize = outputSize;
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
