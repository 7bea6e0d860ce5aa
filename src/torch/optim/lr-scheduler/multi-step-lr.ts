/**
 * MultiStepLR: multiplies the lr by `gamma` at each milestone epoch (twice
 * at a milestone listed twice), as torch.optim.lr_scheduler.MultiStepLR
 * (PyTorch 1.13).
 *
 * @example
 * const sched = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';
import type { LRSchedulerOptions } from './lr-scheduler.js';

/** MultiStepLR's options. */
export interface MultiStepLROptions extends LRSchedulerOptions {
  /** Epochs at which to decay; a repeated epoch decays once per repeat. */
  milestones: readonly number[];
  /** Decay factor (default 0.1). */
  gamma?: number;
}

/**
 * Decays at milestones.
 *
 * @example
 * const sched = new MultiStepLR(opt, { milestones: [5, 12], gamma: 0.3 });
 * sched.step();
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone epoch → how many times it was listed (PyTorch's Counter). */
  milestones: Record<number, number>;
  gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer, options);
    this.milestones = {};
    for (const m of options.milestones) this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const count = this.milestones[this.lastEpoch];
    if (count === undefined) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    let passed = 0;
    for (const [epoch, count] of Object.entries(this.milestones)) if (Number(epoch) <= this.lastEpoch) passed += count;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }
}
