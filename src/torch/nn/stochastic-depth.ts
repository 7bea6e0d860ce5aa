/**
 * Stochastic depth (torchvision.ops.StochasticDepth): in training, drops a
 * residual branch with probability `p`, per sample (`mode: 'row'`) or for
 * the whole batch (`mode: 'batch'`), and scales what survives by
 * 1 / (1 - p); in eval, or with p = 0, the identity. The draw uses the
 * global generator with torchvision's calls (`empty(...).bernoulli_(1 - p)`),
 * so the Trainer's seed gives torchvision's masks.
 *
 * Huang, Sun, Liu, Sedra, Weinberger, "Deep Networks with Stochastic Depth", ECCV 2016.
 *
 * @example
 * const drop = new StochasticDepth(0.1, 'row');
 * const out = x.add(drop.forward(branch));
 */
import { empty } from '../ops/creation.js';
import { inPlace } from '../ops/math.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * The functional form (torchvision.ops.stochastic_depth).
 *
 * @example
 * stochasticDepth(branch, 0.2, 'row', model.training);
 */
export function stochasticDepth(x: Tensor, p: number, mode: 'row' | 'batch', training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`stochasticDepth: expected p in [0, 1], but got ${p}`);
  if (!training || p === 0) return x;
  const survival = 1 - p;
  return tidy(() => {
    const size = mode === 'row' ? [x.size(0), ...Array<number>(x.ndim - 1).fill(1)] : Array<number>(x.ndim).fill(1);
    const noise = inPlace('aten::bernoulli_', 'float', empty(size, { dtype: x.dtype, device: x.device }), [survival, null]);
    if (survival > 0) noise.div_(survival);
    return x.mul(noise);
  });
}

/** The layer form, with torchvision's `p` and `mode`. */
export class StochasticDepth extends Module {
  readonly p: number;
  readonly mode: 'row' | 'batch';

  constructor(p: number, mode: 'row' | 'batch') {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`StochasticDepth: expected p in [0, 1], but got ${p}`);
    if (mode !== 'row' && mode !== 'batch')
      throw new TypeError(`StochasticDepth: expected mode 'row' or 'batch', but got '${String(mode)}'`);
    this.p = p;
    this.mode = mode;
  }

  forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training);
  }
}
