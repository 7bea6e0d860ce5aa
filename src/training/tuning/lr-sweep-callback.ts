/**
 * The callback that drives an LR sweep inside an ordinary fit: before each
 * optimizer step it sets the step's learning rate (every param group keeps
 * its ratio to the largest one, so a layer-wise or backbone-scaled setup is
 * swept as a whole), after each step it records the mean loss of the
 * step's batches and its smoothed value, and it stops the fit once the
 * smoothed loss diverges. The pairing is fastai's and Lightning's: a step's
 * loss is measured with the weights before that step's update.
 *
 * @example
 * const sweep = new LrSweepCallback(parseLrFindOptions({ numSteps: 50 }));
 * await new Trainer({ maxSteps: 50, callbacks: [sweep] }).fit(module, dm);
 * sweep.lrs; sweep.smoothedLosses;
 */
import type { ParamGroup } from '../../torch/optim/index.js';
import { Callback } from '../callback.js';
import type { BatchContext } from '../callback.js';
import type { TrainableModule } from '../trainable-module.js';
import type { TrainerView } from '../trainer-view.js';
import { LossSmoother } from './loss-smoother.js';
import { sweepLr } from './lr-find-options.js';
import type { LrFindOptions } from './lr-find-options.js';

/** Sets the sweep's learning rates and records the loss curve. */
export class LrSweepCallback extends Callback {
  readonly lrs: number[] = [];
  readonly losses: number[] = [];
  readonly smoothedLosses: number[] = [];
  readonly #options: LrFindOptions;
  readonly #smoother: LossSmoother;
  /** Each group's share of the largest group's learning rate, as configured. */
  #ratios: number[] | null = null;
  #stepLr = NaN;
  #lossSum = 0;
  #batches = 0;
  #recordedStep = 0;

  constructor(options: LrFindOptions) {
    super();
    this.#options = options;
    this.#smoother = new LossSmoother(options);
  }

  /** True once the sweep stopped on a diverging (or non-finite) loss. */
  get diverged(): boolean {
    return this.#smoother.diverged;
  }

  override onBeforeOptimizerStep(trainer: TrainerView): void {
    const groups = trainer.optimizer?.paramGroups ?? [];
    // A scheduler may have moved `lr` already (a warmup starts low): its `initialLr` is the configured one.
    const base = (g: ParamGroup): number => g.initialLr ?? g.lr;
    const largest = Math.max(...groups.map(base));
    this.#ratios ??= groups.map((g) => (largest > 0 ? base(g) / largest : 1));
    this.#stepLr = sweepLr(this.#options, trainer.globalStep);
    groups.forEach((g, i) => (g.lr = this.#stepLr * (this.#ratios?.[i] ?? 1)));
  }

  override onTrainBatchEnd(trainer: TrainerView, _module: TrainableModule, context: BatchContext): void {
    if (context.loss === undefined) return;
    this.#lossSum += context.loss.item();
    this.#batches++;
    // Accumulated batches record once, as one point, when their optimizer step has been taken.
    if (trainer.globalStep === this.#recordedStep) return;
    this.#recordedStep = trainer.globalStep;
    const loss = this.#lossSum / this.#batches;
    [this.#lossSum, this.#batches] = [0, 0];
    this.lrs.push(this.#stepLr);
    this.losses.push(loss);
    this.smoothedLosses.push(this.#smoother.add(loss));
    if (this.#smoother.diverged) {
      trainer.stop(`lr finder: the loss diverged at lr ${this.#stepLr.toExponential(2)} (step ${trainer.globalStep})`);
    }
  }
}
