/**
 * `Flatten`: merges dimensions startDim..endDim (1..-1 by default, keeping the batch).
 *
 * @example
 * new Flatten().forward(x); // [N, C, 1, 1] -> [N, C]
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Flattens a range of dimensions. */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(options: { startDim?: number; endDim?: number } = {}) {
    super();
    this.startDim = options.startDim ?? 1;
    this.endDim = options.endDim ?? -1;
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
