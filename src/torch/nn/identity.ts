/**
 * `Identity`: returns its input (a placeholder that keeps parameter names stable).
 *
 * @example
 * model.fc = new Identity(); // a feature extractor
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** The identity layer. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
