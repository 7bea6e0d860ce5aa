/**
 * `Timer`: Lightning's Timer. It measures the time spent in each stage
 * (train, validate, test, predict) and stops the fit once the train time
 * reaches `duration`, checked after every train batch (`interval: 'step'`) or
 * every train epoch (`'epoch'`), and once at fit start, so a resumed run
 * whose budget is already spent stops at once. The elapsed time per stage is
 * the callback's checkpoint state: a resumed run counts the time already spent.
 *
 * Times are in milliseconds. `duration` is a number of milliseconds, a
 * 'DD:HH:MM:SS' string, or `{ days, hours, minutes, seconds }`; null only measures.
 *
 * @example
 * const timer = new Timer({ duration: '00:12:00:00' }); // stop after 12 hours of training
 * new Trainer({ callbacks: [timer] });
 * timer.timeElapsed('train'); timer.timeRemaining(); // ms
 */
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import type { TrainableModule } from '../trainable-module.js';
import { register } from '../../registry.js';
import type { StateTree } from '../../torch/optim/index.js';
import { Callback } from '../callback.js';
import type { BatchContext } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** The stages the Timer measures. */
export const timerStages = ['train', 'validate', 'test', 'predict'] as const;
export type TimerStage = (typeof timerStages)[number];

const DURATION_PATTERN = /^(\d+):(\d{1,2}):(\d{1,2}):(\d{1,2})$/;
const DAY_MS = 86_400_000;

/** A duration as the options accept it. */
export const durationSchema = z.union([
  z.number().nonnegative(),
  z.string().regex(DURATION_PATTERN, "expected 'DD:HH:MM:SS'"),
  z
    .object({
      days: z.number().nonnegative().optional(),
      hours: z.number().nonnegative().optional(),
      minutes: z.number().nonnegative().optional(),
      seconds: z.number().nonnegative().optional(),
    })
    .strict(),
]);
export type Duration = z.infer<typeof durationSchema>;

/** Options of `Timer`. */
export const timerSchema = z
  .object({
    /** The train-time budget (null: measure only). */
    duration: durationSchema.nullable().default(null),
    /** When to check the budget: after every train batch or every train epoch. */
    interval: z.enum(['step', 'epoch']).default('step'),
    /** Print a line when the budget runs out. */
    verbose: z.boolean().default(true),
  })
  .strict();

/** What the `Timer` constructor accepts; `now` (ms) replaces the clock in tests. */
export type TimerOptions = z.input<typeof timerSchema> & { now?: () => number };

/**
 * A duration in milliseconds.
 *
 * @example
 * durationMs('01:02:00:30'); // 93_630_000
 * durationMs({ minutes: 5 }); // 300_000
 */
export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  if (typeof duration === 'string') {
    const [, d, h, m, s] = DURATION_PATTERN.exec(duration)!.map(Number);
    return ((d * 24 + h) * 60 + m) * 60_000 + s * 1000;
  }
  const { days = 0, hours = 0, minutes = 0, seconds = 0 } = duration;
  return days * DAY_MS + hours * 3_600_000 + minutes * 60_000 + seconds * 1000;
}

/**
 * Milliseconds as 'DD:HH:MM:SS' (whole seconds, rounded down).
 *
 * @example
 * formatDuration(93_630_000); // '01:02:00:30'
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const parts = [Math.floor(total / 86_400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
  return parts.map((p) => String(p).padStart(2, '0')).join(':');
}

/**
 * Measures the time of each stage and stops training when `duration` is spent.
 *
 * @example
 * const timer = new Timer({ duration: { hours: 1 }, interval: 'epoch' });
 * timer.onTrainStart(trainer); ...; timer.onTrainEpochEnd(trainer); // trainer.stop('Timer: time limit of 00:01:00:00 reached ...')
 */
export class Timer extends Callback {
  /** The budget in ms (null: none). */
  readonly durationMs: number | null;
  readonly interval: 'step' | 'epoch';
  readonly verbose: boolean;
  readonly #now: () => number;
  /** Time spent in finished runs of each stage (and restored from a checkpoint). */
  readonly #offset: Record<TimerStage, number> = { train: 0, validate: 0, test: 0, predict: 0 };
  readonly #start: Record<TimerStage, number | null> = { train: null, validate: null, test: null, predict: null };
  readonly #lastStart: Record<TimerStage, number | null> = { train: null, validate: null, test: null, predict: null };
  readonly #lastEnd: Record<TimerStage, number | null> = { train: null, validate: null, test: null, predict: null };
  #stopped = false;

  constructor(options: TimerOptions = {}) {
    super();
    const { now, ...rest } = options;
    const parsed = parseOptions('Timer', timerSchema, rest);
    this.durationMs = parsed.duration === null ? null : durationMs(parsed.duration);
    this.interval = parsed.interval;
    this.verbose = parsed.verbose;
    this.#now = now ?? (() => performance.timeOrigin + performance.now());
  }

  /** When the stage last started (ms since the epoch), or null. */
  startTime(stage: TimerStage = 'train'): number | null {
    return this.#lastStart[stage];
  }

  /** When the stage last ended (ms since the epoch), or null while it runs or before it ran. */
  endTime(stage: TimerStage = 'train'): number | null {
    return this.#lastEnd[stage];
  }

  /** Milliseconds spent in `stage`, the runs before a resume included. */
  timeElapsed(stage: TimerStage = 'train'): number {
    const start = this.#start[stage];
    return this.#offset[stage] + (start === null ? 0 : this.#now() - start);
  }

  /** Milliseconds of the budget left for `stage` (negative once overrun; null without a duration). */
  timeRemaining(stage: TimerStage = 'train'): number | null {
    return this.durationMs === null ? null : this.durationMs - this.timeElapsed(stage);
  }

  #begin(stage: TimerStage): void {
    const now = this.#now();
    this.#start[stage] = now;
    this.#lastStart[stage] = now;
    this.#lastEnd[stage] = null;
  }

  #finish(stage: TimerStage): void {
    const start = this.#start[stage];
    if (start === null) return;
    const now = this.#now();
    this.#offset[stage] += now - start;
    this.#start[stage] = null;
    this.#lastEnd[stage] = now;
  }

  #check(trainer: TrainerView): void {
    if (this.durationMs === null || this.#stopped || this.timeElapsed('train') < this.durationMs) return;
    this.#stopped = true;
    const reason = `Timer: time limit of ${formatDuration(this.durationMs)} reached (elapsed ${formatDuration(this.timeElapsed('train'))})`;
    if (this.verbose) trainer.print(`${reason}; signalling the Trainer to stop`);
    trainer.stop(reason);
  }

  override onFitStart(trainer: TrainerView, _module?: TrainableModule): void {
    this.#stopped = false;
    this.#check(trainer); // a restored state may already be past the budget
  }
  override onTrainStart(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#begin('train');
  }
  override onTrainEnd(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#finish('train');
  }
  override onValidationStart(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#begin('validate');
  }
  override onValidationEnd(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#finish('validate');
  }
  override onTestStart(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#begin('test');
  }
  override onTestEnd(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#finish('test');
  }
  override onPredictStart(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#begin('predict');
  }
  override onPredictEnd(_trainer?: TrainerView, _module?: TrainableModule): void {
    this.#finish('predict');
  }
  override onTrainBatchEnd(trainer: TrainerView, _module?: TrainableModule, _context?: BatchContext): void {
    if (this.interval === 'step') this.#check(trainer);
  }
  override onTrainEpochEnd(trainer: TrainerView, _module?: TrainableModule): void {
    if (this.interval === 'epoch') this.#check(trainer);
  }

  /** `{ timeElapsed: { train, validate, test, predict } }` in ms. */
  override stateDict(): StateTree {
    return { timeElapsed: Object.fromEntries(timerStages.map((s) => [s, this.timeElapsed(s)])) };
  }

  /** Takes the elapsed times back: a running stage keeps counting on top of them. */
  override loadStateDict(state: StateTree): void {
    const elapsed = (state as { timeElapsed?: Partial<Record<TimerStage, unknown>> } | null)?.timeElapsed ?? {};
    for (const stage of timerStages) {
      const value = elapsed[stage];
      this.#offset[stage] = typeof value === 'number' && Number.isFinite(value) ? value : 0;
      if (this.#start[stage] !== null) this.#start[stage] = this.#now();
    }
  }
}

register({
  group: 'callback',
  name: 'timer',
  schema: timerSchema,
  build: (options) => new Timer(options),
  description: "Stops training after a time budget ('DD:HH:MM:SS'); elapsed time survives a resume",
});
