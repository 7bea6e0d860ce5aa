/**
 * `Logger`: where logged values go (metrics.csv, JSONL, TensorBoard event
 * files, the console). The Trainer reduces what the module and callbacks log
 * and hands every active logger plain numbers, so a logger never sees a
 * tensor and never causes a host sync. Loggers write on the global-zero
 * process only.
 *
 * @example
 * class Print implements Logger {
 *   readonly name = 'print';
 *   logMetrics(metrics: Record<string, number>, at: LogStep) { console.log(at.step, metrics); }
 *   logHyperparams() {} async flush() {} async finalize() {}
 * }
 */

/** Where in the run a set of values was logged. */
export interface LogStep {
  /** Optimizer steps so far (Lightning's `global_step`). */
  step: number;
  /** The 0-based epoch. */
  epoch: number;
}

/** How a run ended, for `finalize`. */
export type RunStatus = 'success' | 'failed' | 'interrupted';

/** A logger the Trainer writes to. */
export interface Logger {
  /** Short name for listings and errors ('csv', 'tensorboard', ...). */
  readonly name: string;
  /**
   * Called once before anything is logged, with the run directory; a logger
   * that resumes (the run directory already has its file) appends.
   */
  setup?(runDir: string, options: { resumed: boolean }): void | Promise<void>;
  /** Scalars at one step. Keys are metric names such as `train/loss` or `val/acc_top1`. */
  logMetrics(metrics: Readonly<Record<string, number>>, at: LogStep): void | Promise<void>;
  /** The run's hyperparameters (nested plain values), with final metrics when known. */
  logHyperparams(params: Readonly<Record<string, unknown>>, metrics?: Readonly<Record<string, number>>): void | Promise<void>;
  /** A PNG image (a plot, a sample grid); optional. */
  logImage?(tag: string, png: Buffer, at: LogStep): void | Promise<void>;
  /** Writes what is buffered. */
  flush(): Promise<void>;
  /** Flushes and closes; called once at the end of the run, also after a failure. */
  finalize(status: RunStatus): Promise<void>;
}
