/**
 * `SchedulerStepper`: the one way the Trainer steps any LR scheduler. The
 * scheduler's own config says when (after every optimizer step or after
 * every epoch, every `frequency` of them) and, for ReduceLROnPlateau, which
 * logged metric it watches; no caller branches on the scheduler's type.
 *
 * @example
 * const stepper = new SchedulerStepper({ scheduler, interval: 'step' });
 * stepper.afterOptimizerStep(trainer.callbackMetrics);
 * stepper.afterEpoch(trainer.callbackMetrics);
 */
import { ConfigError } from '../errors.js';
import { ReduceLROnPlateau } from '../torch/optim/index.js';
import type { Scheduler } from '../torch/optim/index.js';
import type { SchedulerStateDict } from '../torch/optim/index.js';

/** How a scheduler is stepped (Lightning's lr_scheduler config). */
export interface SchedulerConfig {
  scheduler: Scheduler | null;
  interval: 'epoch' | 'step';
  /** Step every `frequency` intervals (default 1). */
  frequency?: number;
  /** The metric ReduceLROnPlateau watches (default 'val/loss'). */
  monitor?: string;
}

/** Steps a scheduler at the right time. */
export class SchedulerStepper {
  readonly config: Required<Omit<SchedulerConfig, 'scheduler'>> & { scheduler: Scheduler | null };
  #count = 0;

  constructor(config: SchedulerConfig) {
    this.config = { frequency: 1, monitor: 'val/loss', ...config };
  }

  /** Call after every optimizer step. */
  afterOptimizerStep(metrics: Readonly<Record<string, number>>): void {
    if (this.config.interval === 'step') this.#tick(metrics);
  }

  /** Call after every training epoch (after its validation). */
  afterEpoch(metrics: Readonly<Record<string, number>>): void {
    if (this.config.interval === 'epoch') this.#tick(metrics);
  }

  #tick(metrics: Readonly<Record<string, number>>): void {
    const { scheduler, frequency, monitor } = this.config;
    if (scheduler === null || ++this.#count % frequency !== 0) return;
    if (!(scheduler instanceof ReduceLROnPlateau)) {
      scheduler.step();
      return;
    }
    const value = metrics[monitor];
    if (value === undefined) {
      const available = Object.keys(metrics).sort();
      throw new ConfigError(
        `ReduceLROnPlateau: expected the monitored metric '${monitor}' to be logged, but it was not; available: ${available.join(', ') || '(none)'}`,
        [{ path: 'scheduler.monitor', message: `'${monitor}' not logged` }],
      );
    }
    scheduler.step(value);
  }

  stateDict(): { scheduler: SchedulerStateDict | null; count: number } {
    return { scheduler: this.config.scheduler?.stateDict() ?? null, count: this.#count };
  }

  loadStateDict(state: { scheduler: SchedulerStateDict | null; count: number }): void {
    if (state.scheduler !== null) this.config.scheduler?.loadStateDict(state.scheduler);
    this.#count = state.count;
  }
}
