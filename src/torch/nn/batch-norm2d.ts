/**
 * `BatchNorm2d`: batch normalisation over [N, C, H, W] with PyTorch's
 * parameters (`weight`, `bias`) and buffers (`running_mean`, `running_var`,
 * `num_batches_tracked` int64). In training mode it normalises with the
 * batch statistics and updates the running ones like PyTorch (momentum, or
 * a cumulative average when `momentum` is null).
 *
 * @example
 * const bn = new BatchNorm2d(64);
 * bn.train(); bn.forward(x);  // updates bn.running_mean, bn.running_var
 * bn.eval();  bn.forward(x);  // uses them
 */
import { ShapeError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import { empty, zeros } from '../ops/creation.js';
import { batchNorm } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { ones_, zeros_ } from './init.js';
import { Module } from './module.js';

/** Options of `BatchNorm2d` (PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running stats). */
export interface BatchNorm2dOptions {
  eps?: number;
  /** null: cumulative moving average (1 / num_batches_tracked). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** Batch normalisation for 4-D input. */
export class BatchNorm2d extends Module {
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new TypeError(`BatchNorm2d: expected a positive integer for numFeatures, but got ${numFeatures}`);
    }
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = options;
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.registerParameter('weight', affine ? empty([numFeatures]) : null);
    this.registerParameter('bias', affine ? empty([numFeatures]) : null);
    this.registerBuffer('running_mean', trackRunningStats ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', trackRunningStats ? zeros([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', trackRunningStats ? zeros([], { dtype: 'int64' }) : null);
    this.resetParameters();
  }

  /** Running stats to mean 0, var 1, count 0. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }

  /** Running stats reset; weight 1, bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) {
      ones_(this.weight!);
      zeros_(this.bias!);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new ShapeError(`BatchNorm2d: expected 4-D input [N, C, H, W], but got shape [${x.shape.join(', ')}]`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      noGrad(() => this.num_batches_tracked!.add_(1));
      if (this.momentum === null) factor = 1 / this.num_batches_tracked!.item();
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    if (useBatchStats) {
      const [n, , h, w] = x.shape;
      if (n * h * w === 1) {
        // Mostly a data set's last batch of one image reaching a 1x1 map (a RegNet or ResNet on 32x32): say how to avoid it.
        throw new ShapeError(
          `BatchNorm2d: expected more than 1 value per channel when training, but got input shape [${x.shape.join(', ')}]; ` +
            'a batch of one image at a 1x1 map: drop a last batch of 1 (+data.dropLast=true, or another data.batchSize) or use larger images',
        );
      }
    }
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }
}
