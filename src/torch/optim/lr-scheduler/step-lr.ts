/**
 * StepLR: multiplies the lr by `gamma` every `stepSize` epochs, as
 * torch.optim.lr_scheduler.StepLR (PyTorch 1.13).
 *
 * @example
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 */
import { checkOption } from '../optimizer.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';
import type { LRSchedulerOptions } from './lr-scheduler.js';

/** StepLR's options. */
export interface StepLROptions extends LRSchedulerOptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Decay factor (default 0.1). */
  gamma?: number;
}

/**
 * Step decay: lr = initialLr * gamma ** floor(epoch / stepSize).
 *
 * @example
 * const sched = new StepLR(opt, { stepSize: 7, gamma: 0.5 });
 * sched.step();
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, options);
    checkOption('StepLR', 'stepSize', options.stepSize, Number.isInteger(options.stepSize) && options.stepSize > 0, 'a positive integer');
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}
