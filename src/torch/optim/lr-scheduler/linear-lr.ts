/**
 * LinearLR: scales the lr linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs (a warmup, usually), as
 * torch.optim.lr_scheduler.LinearLR (PyTorch 1.13) in its chainable form.
 *
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 1e-3, totalIters: 5 });
 */
import { checkOption } from '../optimizer.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';
import type { LRSchedulerOptions } from './lr-scheduler.js';

/** LinearLR's options (PyTorch's defaults). */
export interface LinearLROptions extends LRSchedulerOptions {
  /** Factor at epoch 0, in [0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor from `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs to go from one factor to the other (default 5). */
  totalIters?: number;
}

/**
 * Linear lr factor.
 *
 * @example
 * const sched = new LinearLR(opt, { startFactor: 0.25, totalIters: 8 });
 * sched.step();
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, options);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    checkOption('LinearLR', 'startFactor', this.startFactor, this.startFactor >= 0 && this.startFactor <= 1, 'in [0, 1]');
    checkOption('LinearLR', 'endFactor', this.endFactor, this.endFactor >= 0 && this.endFactor <= 1, 'in [0, 1]');
    this.initialStep();
  }

  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch } = this;
    if (lastEpoch === 0) return this.groupLrs().map((lr) => lr * s);
    if (lastEpoch > n) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * (1 + (e - s) / (n * s + (lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}
