/**
 * What a module or a callback logs (Lightning's `self.log`): the options of
 * one value and the entry a collector receives. Declared here, below both
 * the modules that log and the Trainer that collects, so neither imports
 * the other.
 *
 * @example
 * const entry: LogEntry = { name: 'train/loss', value: 0.3, onStep: true, onEpoch: false, progBar: true };
 */
import { keep } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** Where a logged value goes, as in Lightning's `self.log`. @example const o: LogOptions = { onStep: true, progBar: true }; */
export interface LogOptions {
  onStep?: boolean;
  onEpoch?: boolean;
  progBar?: boolean;
}

/** One logged value; tensor values are detached copies the collector disposes. @example const e: LogEntry = { name: 'x', value: 1, onStep: false, onEpoch: true, progBar: false }; */
export interface LogEntry extends Required<LogOptions> {
  name: string;
  value: Tensor | number;
}

/**
 * The entry `module.log(name, value, options)` records: a tensor is detached
 * and kept (the collector disposes it), the options get Lightning's defaults
 * (on epoch, not on step, not in the progress bar). Shared by the modules so
 * they log alike.
 *
 * @example
 * this.#logs.push(logEntry('train/loss_step', loss, { onStep: true, onEpoch: false }));
 */
export function logEntry(name: string, value: Tensor | number, options: LogOptions = {}): LogEntry {
  return {
    name,
    value: typeof value === 'number' ? value : keep(value.detach()),
    onStep: options.onStep ?? false,
    onEpoch: options.onEpoch ?? true,
    progBar: options.progBar ?? false,
  };
}
