/**
 * `LRScheduler`: the base of the epoch-indexed schedulers, after PyTorch
 * 1.13's `_LRScheduler`: it records each group's `initialLr`, takes the
 * constructor's initial step (so the optimizer starts at the schedule's
 * first value), and writes each new lr into the optimizer's param groups.
 *
 * Subclasses set their fields and then call `this.initialStep()` at the end
 * of their constructor (JavaScript initializes subclass fields only after the
 * base constructor returns, so the base cannot take that step itself).
 *
 * @example
 * const sched = new StepLR(opt, { stepSize: 10 });
 * for (let epoch = 0; epoch < 30; epoch++) { train(); sched.step(); }
 */
import { ConfigError } from '../../../errors.js';
import type { Optimizer } from '../optimizer.js';

/** Options every epoch-indexed scheduler takes. */
export interface LRSchedulerOptions {
  /** The index of the last epoch when resuming (default -1: start fresh). */
  lastEpoch?: number;
}

/** A scheduler's state: plain JSON values (see `flattenStateDict`). */
export type SchedulerStateDict = Record<string, unknown>;

/** A scheduler's fields but its optimizer, deep-copied: PyTorch's `state_dict` for schedulers. */
export function schedulerStateDict(scheduler: object): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [key, value] of Object.entries(scheduler)) if (key !== 'optimizer') out[key] = structuredClone(value);
  return out;
}

/** Restores fields saved by `schedulerStateDict` (unknown keys are ignored). */
export function loadSchedulerStateDict(scheduler: object, stateDict: SchedulerStateDict): void {
  const fields = scheduler as Record<string, unknown>;
  for (const [key, value] of Object.entries(stateDict)) {
    if (key !== 'optimizer' && key in scheduler) fields[key] = structuredClone(value);
  }
}

/** Python's `%`: the result takes the divisor's sign. */
export const pyMod = (a: number, b: number): number => ((a % b) + b) % b;

/** The shared machinery; subclasses implement `getLr` (PyTorch's chainable form). */
export abstract class LRScheduler {
  /** The optimizer whose param groups get the lr. */
  readonly optimizer: Optimizer;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** Steps taken so far, counting the constructor's (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** Calls to `step`, the initial one included (PyTorch's `_step_count`). */
  stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(optimizer: Optimizer, options: LRSchedulerOptions = {}) {
    this.optimizer = optimizer;
    const lastEpoch = options.lastEpoch ?? -1;
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new ConfigError(
          `${new.target.name}: expected initialLr in paramGroups[${i}] when resuming with lastEpoch ${lastEpoch}, but got none; load the optimizer's state dict first`,
        );
      }
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The constructor's step; also used by SequentialLR to restart its first scheduler. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lr of each group, chained from the current ones (PyTorch's `get_lr`). */
  protected abstract getLr(): number[];

  /** The lr of each group in closed form at `lastEpoch`, where the schedule has one. */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /**
   * Advances one epoch. With `epoch` (what SequentialLR does at a milestone;
   * deprecated in PyTorch otherwise) jumps there, using the closed form when
   * the schedule has one.
   */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The current lr of each param group. */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Every field but the optimizer, as PyTorch's `state_dict` (a deep copy). */
  stateDict(): SchedulerStateDict {
    return schedulerStateDict(this);
  }

  /** Restores fields saved by `stateDict` (unknown keys are ignored). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadSchedulerStateDict(this, stateDict);
  }
}
