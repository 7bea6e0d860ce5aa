/**
 * OneCycleLR (Smith & Topin, "Super-Convergence", 2018), as
 * torch.optim.lr_scheduler.OneCycleLR (PyTorch 1.13): the lr rises from
 * maxLr / divFactor to maxLr over `pctStart` of the steps and anneals to
 * initialLr / finalDivFactor (or, with `threePhase`, back to initialLr first),
 * while momentum (SGD's `momentum`, Adam's beta1) cycles the other way.
 * It is stepped once per batch, and stepping past `totalSteps` throws.
 *
 * @example
 * const sched = new OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: 100 });
 */
import { ConfigError } from '../../../errors.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './lr-scheduler.js';
import type { LRSchedulerOptions } from './lr-scheduler.js';

/** OneCycleLR's options (PyTorch's defaults). Give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions extends LRSchedulerOptions {
  /** The peak lr, one for all groups or one per group. */
  maxLr: number | readonly number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the steps spent rising (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The lowest momentum, one or one per group (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** The highest momentum, one or one per group (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, then to minLr) instead of two (default false). */
  threePhase?: boolean;
}

type GroupKey = 'initialLr' | 'maxLr' | 'minLr' | 'maxMomentum' | 'baseMomentum';

interface Phase {
  endStep: number;
  startLr: GroupKey;
  endLr: GroupKey;
  startMomentum: GroupKey;
  endMomentum: GroupKey;
}

function positiveInteger(name: string, value: number | undefined): number {
  if (value === undefined || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`OneCycleLR: expected ${name} to be a positive integer, but got ${value}`);
  }
  return value;
}

function perGroup(name: string, value: number | readonly number[], groups: number): number[] {
  if (typeof value === 'number') return Array.from({ length: groups }, () => value);
  if (value.length !== groups)
    throw new ConfigError(`OneCycleLR: expected ${groups} values for ${name} (one per param group), but got ${value.length}`);
  return [...value];
}

function phasesFor(totalSteps: number, pctStart: number, threePhase: boolean): Phase[] {
  const up: Phase = {
    endStep: pctStart * totalSteps - 1,
    startLr: 'initialLr',
    endLr: 'maxLr',
    startMomentum: 'maxMomentum',
    endMomentum: 'baseMomentum',
  };
  if (!threePhase)
    return [up, { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' }];
  return [
    up,
    {
      endStep: 2 * pctStart * totalSteps - 2,
      startLr: 'maxLr',
      endLr: 'initialLr',
      startMomentum: 'baseMomentum',
      endMomentum: 'maxMomentum',
    },
    { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
  ];
}

/**
 * The one-cycle policy.
 *
 * @example
 * const sched = new OneCycleLR(opt, { maxLr: [0.1, 0.2], totalSteps: 1000, threePhase: true });
 * for (const batch of loader) { trainStep(batch); sched.step(); }
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  phases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super(OneCycleLR.prepare(optimizer, options), options);
    const o = OneCycleLR.resolve(options);
    this.totalSteps = o.totalSteps;
    this.phases = phasesFor(o.totalSteps, o.pctStart, o.threePhase);
    this.annealStrategy = o.annealStrategy;
    this.cycleMomentum = o.cycleMomentum;
    this.useBeta1 = 'betas' in optimizer.defaults;
    this.initialStep();
  }

  private static resolve(options: OneCycleLROptions) {
    const totalSteps =
      options.totalSteps !== undefined
        ? positiveInteger('totalSteps', options.totalSteps)
        : positiveInteger('epochs', options.epochs) * positiveInteger('stepsPerEpoch', options.stepsPerEpoch);
    const pctStart = options.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new ConfigError(`OneCycleLR: expected pctStart in [0, 1], but got ${pctStart}`);
    const annealStrategy = options.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new ConfigError(`OneCycleLR: expected annealStrategy 'cos' or 'linear', but got '${String(annealStrategy)}'`);
    }
    return { totalSteps, pctStart, annealStrategy, threePhase: options.threePhase ?? false, cycleMomentum: options.cycleMomentum ?? true };
  }

  /** Writes initialLr, maxLr, minLr and the momentum bounds into the groups before the base constructor reads them. */
  private static prepare(optimizer: Optimizer, options: OneCycleLROptions): Optimizer {
    OneCycleLR.resolve(options);
    const groups = optimizer.paramGroups;
    const fresh = (options.lastEpoch ?? -1) === -1;
    const maxLrs = perGroup('maxLr', options.maxLr, groups.length);
    if (fresh) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / (options.divFactor ?? 25);
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / (options.finalDivFactor ?? 1e4);
      });
    }
    if (options.cycleMomentum ?? true) {
      const useBeta1 = 'betas' in optimizer.defaults;
      if (!useBeta1 && !('momentum' in optimizer.defaults)) {
        throw new ConfigError(
          'OneCycleLR: expected an optimizer with momentum or betas when cycleMomentum is on, but got neither; pass cycleMomentum: false',
        );
      }
      const maxM = perGroup('maxMomentum', options.maxMomentum ?? 0.95, groups.length);
      const baseM = perGroup('baseMomentum', options.baseMomentum ?? 0.85, groups.length);
      if (fresh) {
        groups.forEach((g, i) => {
          OneCycleLR.setMomentum(g as unknown as Record<string, unknown>, maxM[i], useBeta1);
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    return optimizer;
  }

  private static setMomentum(group: Record<string, unknown>, value: number, useBeta1: boolean): void {
    if (useBeta1) group.betas = [value, ...(group.betas as number[]).slice(1)];
    else group.momentum = value;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ConfigError(`OneCycleLR: expected at most ${this.totalSteps} steps (totalSteps), but got step ${stepNum + 1}`);
    }
    return this.optimizer.paramGroups.map((group) => {
      const g = group as unknown as Record<string, number>;
      let startStep = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i];
        if (stepNum <= phase.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          if (this.cycleMomentum) {
            OneCycleLR.setMomentum(
              group as unknown as Record<string, unknown>,
              this.anneal(g[phase.startMomentum], g[phase.endMomentum], pct),
              this.useBeta1,
            );
          }
          return this.anneal(g[phase.startLr], g[phase.endLr], pct);
        }
        startStep = phase.endStep;
      }
      throw new Error('OneCycleLR: unreachable');
    });
  }
}
