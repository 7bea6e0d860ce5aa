/**
 * ReduceLROnPlateau: cuts the lr by `factor` when a metric stops improving
 * for `patience` epochs, as torch.optim.lr_scheduler.ReduceLROnPlateau
 * (PyTorch 1.13): relative or absolute threshold, cooldown, per-group
 * minimum lr, and `eps` below which a change is skipped.
 *
 * @example
 * const sched = new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 3 });
 * sched.step(valLoss);
 */
import { ConfigError } from '../../../errors.js';
import { Tensor } from '../../tensor.js';
import { checkOption } from '../optimizer.js';
import type { Optimizer } from '../optimizer.js';
import { loadSchedulerStateDict, schedulerStateDict } from './lr-scheduler.js';
import type { SchedulerStateDict } from './lr-scheduler.js';

/** ReduceLROnPlateau's options (PyTorch's defaults). */
export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (a loss); 'max': higher is better (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** Multiplier for the lr, < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement to tolerate (default 10). */
  patience?: number;
  /** The least change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best value; 'abs': absolute (default 'rel'). */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a cut before counting again (default 0). */
  cooldown?: number;
  /** The lowest lr, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** A cut smaller than this is skipped (default 1e-8). */
  eps?: number;
}

/**
 * Lr cuts on a plateau of a metric.
 *
 * @example
 * const sched = new ReduceLROnPlateau(opt, { mode: 'max', patience: 1, threshold: 0.05, thresholdMode: 'abs' });
 * sched.step(valAccuracy);
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  best: number;
  numBadEpochs = 0;
  eps: number;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    this.optimizer = optimizer;
    this.factor = options.factor ?? 0.1;
    checkOption('ReduceLROnPlateau', 'factor', this.factor, this.factor < 1, 'a number < 1');
    const minLr = options.minLr ?? 0;
    const groups = optimizer.paramGroups.length;
    if (typeof minLr !== 'number' && minLr.length !== groups) {
      throw new ConfigError(`ReduceLROnPlateau: expected ${groups} minLr values (one per param group), but got ${minLr.length}`);
    }
    this.minLrs = typeof minLr === 'number' ? Array.from({ length: groups }, () => minLr) : [...minLr];
    this.patience = options.patience ?? 10;
    this.cooldown = options.cooldown ?? 0;
    this.mode = options.mode ?? 'min';
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ConfigError(`ReduceLROnPlateau: expected mode 'min' or 'max', but got '${String(this.mode)}'`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ConfigError(`ReduceLROnPlateau: expected thresholdMode 'rel' or 'abs', but got '${String(this.thresholdMode)}'`);
    }
    this.threshold = options.threshold ?? 1e-4;
    this.eps = options.eps ?? 1e-8;
    this.best = this.modeWorse();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether a cut's cooldown is still running. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and cuts the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Every field but the optimizer (`best` may be ±Infinity: see `flattenStateDict`). */
  stateDict(): SchedulerStateDict {
    return schedulerStateDict(this);
  }

  /** Restores fields saved by `stateDict` (unknown keys are ignored). */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadSchedulerStateDict(this, stateDict);
  }
}
