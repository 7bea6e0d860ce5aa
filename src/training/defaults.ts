/**
 * What a Trainer gets without asking, as in Lightning: a progress bar, a
 * model summary and checkpointing (each switched off by its `enable*`
 * option), a Timer when `maxTime` is set, and CSV and TensorBoard loggers
 * (and the console without a progress bar). Checkpointing callbacks run last, so they see what the others
 * logged (and EMA has swapped its weights back) before they save.
 *
 * @example
 * const callbacks = defaultCallbacks(userCallbacks, options, false);
 */
import type { Callback } from './callback.js';
import { ModelCheckpoint } from './callbacks/model-checkpoint.js';
import { ModelSummary } from './callbacks/model-summary.js';
import { ProgressBar } from './callbacks/progress-bar.js';
import { Timer } from './callbacks/timer.js';
import type { Logger } from './logger.js';
import { ConsoleLogger } from './loggers/console-logger.js';
import { CSVLogger } from './loggers/csv-logger.js';
import { TensorBoardLogger } from './loggers/tensorboard-logger.js';
import type { TrainerOptions } from './trainer-options.js';

/** The user's callbacks plus the defaults, checkpointing last. @example defaultCallbacks([], options, false); */
export function defaultCallbacks(user: readonly Callback[], o: TrainerOptions, quiet: boolean): Callback[] {
  const list = [...user];
  const has = (kind: abstract new (...args: never[]) => Callback) => list.some((c) => c instanceof kind);
  // A callback of the user's that draws on the console takes the bar's place.
  if (o.enableProgressBar && !list.some((c) => c.printer !== null)) list.unshift(new ProgressBar());
  if (o.enableModelSummary && !quiet && !has(ModelSummary)) list.push(new ModelSummary());
  if (o.maxTime !== null && !has(Timer)) list.push(new Timer({ duration: o.maxTime, interval: 'step' }));
  if (o.enableCheckpointing && !quiet && !has(ModelCheckpoint)) list.push(new ModelCheckpoint());
  const order = { default: 0, weights: 1, checkpoint: 2 } as const;
  const rank = (c: Callback) => order[c.place];
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * CSV (metrics.csv) and TensorBoard event files, plus one console line per
 * epoch when there is no progress bar (which prints its own epoch lines).
 *
 * @example
 * defaultLoggers(console.log, { progressBar: true });
 */
export function defaultLoggers(print: (message: string) => void, options: { progressBar: boolean }): Logger[] {
  return [new CSVLogger(), new TensorBoardLogger(), ...(options.progressBar ? [] : [new ConsoleLogger({ print })])];
}
