/**
 * `ReLU`: max(x, 0); `inplace: true` overwrites its input (as torchvision's
 * ResNet does) and returns it.
 *
 * @example
 * new ReLU({ inplace: true }).forward(x);
 */
import { relu } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** The rectifier. */
export class ReLU extends Module {
  readonly inplace: boolean;

  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }

  forward(x: Tensor): Tensor {
    return this.inplace ? x.relu_() : relu(x);
  }
}
