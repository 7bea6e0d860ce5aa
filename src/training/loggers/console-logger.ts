/**
 * `ConsoleLogger`: one compact line per epoch with its epoch-level values,
 *
 *     epoch 3 step 1200 | train/loss 0.412 val/loss 0.398 val/acc_top1 0.871
 *
 * Only names of the form `<split>/<metric>` are shown: step values
 * (`train/loss_step`) and deeper names such as per-class entries
 * (`val/acc_class/cat`) are left to the file loggers. Values are collected
 * until the epoch's line is printed: when a value of a later epoch arrives,
 * on `flush()` (the Trainer flushes its loggers at the end of every epoch)
 * and on `finalize`. `train/` names come first, then `val/`, then `test/`,
 * each split's loss first. `print` lets the progress bar route the line.
 *
 * @example
 * const logger = new ConsoleLogger({ print: (line) => bar.log(line) });
 * logger.logMetrics({ 'train/loss': 0.412, 'val/acc_top1': 0.871 }, { step: 1200, epoch: 3 });
 * await logger.flush(); // prints "epoch 3 step 1200 | train/loss 0.412 val/acc_top1 0.871"
 */
import { z } from 'zod';
import { register } from '../../registry.js';
import type { LogStep, Logger, RunStatus } from '../logger.js';

/** Options of `ConsoleLogger`. */
export interface ConsoleLoggerOptions {
  /** Where lines go (default `console.log`). */
  print?: (line: string) => void;
  /** Significant digits of each value (default 4). */
  digits?: number;
}

const EPOCH_LEVEL = /^[^/]+\/[^/]+$/;
const SPLIT_ORDER = ['train', 'val', 'test'];

function rank(name: string): number {
  const [split, metric] = name.split('/');
  const index = SPLIT_ORDER.indexOf(split);
  return (index === -1 ? SPLIT_ORDER.length : index) * 2 + (metric === 'loss' ? 0 : 1);
}

/**
 * True for names the console shows: `<split>/<metric>` and not a step value.
 *
 * @example
 * isEpochLevel('val/acc_top1');      // true
 * isEpochLevel('val/acc_class/cat'); // false
 */
export function isEpochLevel(name: string): boolean {
  return EPOCH_LEVEL.test(name) && !name.endsWith('_step');
}

/** Prints epoch-level metrics, one line per epoch. */
export class ConsoleLogger implements Logger {
  readonly name = 'console';
  readonly #print: (line: string) => void;
  readonly #digits: number;
  #epoch = -1;
  #step = 0;
  #values = new Map<string, number>();

  constructor(options: ConsoleLoggerOptions = {}) {
    this.#print = options.print ?? ((line) => console.log(line));
    this.#digits = options.digits ?? 4;
  }

  logMetrics(metrics: Readonly<Record<string, number>>, at: LogStep): void {
    const shown = Object.entries(metrics).filter(([name]) => isEpochLevel(name));
    if (shown.length === 0) return;
    if (at.epoch !== this.#epoch) this.#printLine();
    this.#epoch = at.epoch;
    this.#step = Math.max(this.#step, at.step);
    for (const [name, value] of shown) this.#values.set(name, value);
  }

  logHyperparams(): void {}

  #format(value: number): string {
    return Number.isFinite(value) ? String(Number(value.toPrecision(this.#digits))) : String(value);
  }

  #printLine(): void {
    if (this.#values.size === 0) return;
    const names = [...this.#values.keys()].map((name, i) => ({ name, i })).sort((a, b) => rank(a.name) - rank(b.name) || a.i - b.i);
    const values = names.map(({ name }) => `${name} ${this.#format(this.#values.get(name) ?? NaN)}`);
    this.#print(`epoch ${this.#epoch} step ${this.#step} | ${values.join(' ')}`);
    this.#values = new Map();
    this.#step = 0;
  }

  flush(): Promise<void> {
    this.#printLine();
    return Promise.resolve();
  }

  finalize(_status: RunStatus): Promise<void> {
    return this.flush();
  }
}

const schema = z
  .object({
    print: z.custom<(line: string) => void>((v) => typeof v === 'function', 'expected a function').optional(),
    digits: z.number().int().min(1).max(17).default(4),
  })
  .strict();

register({
  group: 'logger',
  name: 'console',
  schema,
  description: 'one line of epoch-level metrics per epoch on the console',
  build: (o: z.output<typeof schema>) => new ConsoleLogger(o),
});
