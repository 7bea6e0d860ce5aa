/**
 * SequentialLR: runs one scheduler after another, switching at milestone
 * epochs, as torch.optim.lr_scheduler.SequentialLR (PyTorch 1.13) does,
 * quirks included, so the numbers match step by step:
 * - the constructor resets every group's lr to its `initialLr`, moves every
 *   scheduler's `lastEpoch` back by one and re-takes only the first
 *   scheduler's initial step;
 * - at a milestone the next scheduler is stepped with `step(0)`, which
 *   uses its closed form (so CosineAnnealingLR restarts from `initialLr`,
 *   not from where the previous scheduler left the lr);
 * - like PyTorch's, it takes no `lastEpoch` resume option of its own; resume
 *   through `loadStateDict`.
 *
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 1e-3, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 95, etaMin: 1e-5 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 */
import { ConfigError } from '../../../errors.js';
import type { Optimizer } from '../optimizer.js';
import type { LRScheduler, SchedulerStateDict } from './lr-scheduler.js';

/** SequentialLR's options. */
export interface SequentialLROptions {
  /** The schedulers, all on the same optimizer, in the order they run. */
  schedulers: readonly LRScheduler[];
  /** The epochs at which to switch: one fewer than the schedulers, increasing. */
  milestones: readonly number[];
}

/** Python's bisect_right on an increasing list. */
function bisectRight(list: readonly number[], x: number): number {
  let i = 0;
  while (i < list.length && list[i] <= x) i += 1;
  return i;
}

/**
 * Chains schedulers at milestones.
 *
 * @example
 * const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 * sched.step();
 * sched.getLastLr();
 */
export class SequentialLR {
  readonly optimizer: Optimizer;
  readonly schedulers: readonly LRScheduler[];
  milestones: number[];
  lastEpoch: number;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const { schedulers, milestones } = options;
    if (schedulers.length === 0) throw new ConfigError('SequentialLR: expected at least one scheduler, but got none');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer)
        throw new ConfigError(`SequentialLR: expected every scheduler on the optimizer passed in, but got scheduler ${i} on another`);
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new ConfigError(
        `SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, but got ${milestones.length}`,
      );
    }
    this.optimizer = optimizer;
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }

  /** Advances one epoch on the scheduler whose turn it is. */
  step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Its own fields plus each scheduler's state dict under `schedulers`. */
  stateDict(): SchedulerStateDict {
    return {
      milestones: [...this.milestones],
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores `stateDict`'s output, the inner schedulers' included. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const inner = stateDict.schedulers as SchedulerStateDict[] | undefined;
    if (inner !== undefined && inner.length !== this.schedulers.length) {
      throw new ConfigError(`SequentialLR.loadStateDict: expected ${this.schedulers.length} scheduler states, but got ${inner.length}`);
    }
    if (stateDict.milestones !== undefined) this.milestones = [...(stateDict.milestones as number[])];
    if (stateDict.lastEpoch !== undefined) this.lastEpoch = stateDict.lastEpoch as number;
    if (stateDict.lastLr !== undefined) this.lastLr = [...(stateDict.lastLr as number[])];
    inner?.forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}
