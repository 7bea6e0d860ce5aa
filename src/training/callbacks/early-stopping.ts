/**
 * `EarlyStopping`: Lightning's EarlyStopping. After every validation it
 * compares the monitored metric with the best so far; after `patience`
 * checks without an improvement larger than `minDelta`, or when the value is
 * not finite (`checkFinite`), reaches `stoppingThreshold` or passes
 * `divergenceThreshold`, it stops the run and logs why. Its counters are its
 * checkpoint state.
 *
 * @example
 * new EarlyStopping({ monitor: 'val/loss', patience: 5, minDelta: 1e-3 });
 */
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { parseOptions } from '../../data/transforms/options.js';
import { register } from '../../registry.js';
import type { StateTree } from '../../torch/optim/index.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `EarlyStopping`. */
export const earlyStoppingSchema = z
  .object({
    monitor: z.string().min(1).default('val/loss'),
    mode: z.enum(['min', 'max']).default('min'),
    patience: z.number().int().min(0).default(3),
    minDelta: z.number().min(0).default(0),
    checkFinite: z.boolean().default(true),
    /** Stop as soon as the metric is at least this good. */
    stoppingThreshold: z.number().nullable().default(null),
    /** Stop as soon as the metric is this bad. */
    divergenceThreshold: z.number().nullable().default(null),
    verbose: z.boolean().default(true),
  })
  .strict();

/** What the constructor accepts. */
export type EarlyStoppingOptions = z.input<typeof earlyStoppingSchema>;

/** Stops training when a metric stops improving. */
export class EarlyStopping extends Callback {
  readonly options: z.output<typeof earlyStoppingSchema>;
  wait = 0;
  best: number;
  stoppedEpoch: number | null = null;
  /** Why the run stopped, once it has. */
  stopReason: string | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.options = parseOptions('EarlyStopping', earlyStoppingSchema, options);
    this.best = this.options.mode === 'min' ? Infinity : -Infinity;
  }

  /** Class + monitor and mode, as Lightning keys it, so two early stoppings keep their counters apart. */
  override get stateKey(): string {
    return this.generateStateKey({ monitor: this.options.monitor, mode: this.options.mode });
  }

  #improved(value: number): boolean {
    const { mode, minDelta } = this.options;
    return mode === 'min' ? value < this.best - minDelta : value > this.best + minDelta;
  }

  override onValidationEnd(trainer: TrainerView): void {
    if (trainer.sanityChecking || trainer.stage !== 'fit') return;
    const { monitor, mode, patience, checkFinite, stoppingThreshold, divergenceThreshold } = this.options;
    const value = trainer.callbackMetrics[monitor];
    if (value === undefined) {
      throw new ConfigError(
        `EarlyStopping: expected the monitored metric '${monitor}' to be logged, but it was not; available: ${Object.keys(trainer.callbackMetrics).sort().join(', ') || '(none)'}`,
        [{ path: 'callbacks.EarlyStopping.monitor', message: `'${monitor}' not logged` }],
      );
    }
    const better = (a: number, b: number) => (mode === 'min' ? a <= b : a >= b);
    let reason: string | null = null;
    if (checkFinite && !Number.isFinite(value)) reason = `${monitor} = ${value} is not finite`;
    else if (stoppingThreshold !== null && better(value, stoppingThreshold))
      reason = `${monitor} = ${value} reached stoppingThreshold ${stoppingThreshold}`;
    else if (divergenceThreshold !== null && better(divergenceThreshold, value))
      reason = `${monitor} = ${value} passed divergenceThreshold ${divergenceThreshold}`;
    else if (this.#improved(value)) {
      this.best = value;
      this.wait = 0;
    } else if (++this.wait >= patience) {
      reason = `${monitor} did not improve by more than ${this.options.minDelta} in ${this.wait} checks; best ${this.best}`;
    }
    if (reason === null) return;
    this.stoppedEpoch = trainer.currentEpoch;
    this.stopReason = `EarlyStopping: ${reason}`;
    trainer.log('early_stopping/stopped_epoch', trainer.currentEpoch, { onStep: false, onEpoch: true });
    trainer.stop(this.stopReason);
  }

  override stateDict(): StateTree {
    return {
      wait: this.wait,
      best: this.best,
      stoppedEpoch: this.stoppedEpoch,
      patience: this.options.patience,
      monitor: this.options.monitor,
    };
  }

  override loadStateDict(state: StateTree): void {
    const s = state as { wait: number; best: number; stoppedEpoch: number | null; monitor: string };
    if (s.monitor !== this.options.monitor) return;
    this.wait = s.wait;
    this.best = s.best;
    this.stoppedEpoch = s.stoppedEpoch;
  }
}

register({
  group: 'callback',
  name: 'early_stopping',
  schema: earlyStoppingSchema,
  build: (o: EarlyStoppingOptions) => new EarlyStopping(o),
  description: 'stops when a monitored metric stops improving',
});
