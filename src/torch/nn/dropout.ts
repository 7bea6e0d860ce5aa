/**
 * `Dropout`: in training mode zeroes each element with probability `p` and
 * scales the rest by 1 / (1 - p); in eval mode returns its input.
 *
 * @example
 * new Dropout({ p: 0.2 }).forward(x);
 */
import { dropout } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Dropout (Srivastava et al., 2014). */
export class Dropout extends Module {
  readonly p: number;

  constructor(options: { p?: number } = {}) {
    super();
    const p = options.p ?? 0.5;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: expected p in [0, 1], but got ${p}`);
    this.p = p;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
