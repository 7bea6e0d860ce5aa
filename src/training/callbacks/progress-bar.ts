/**
 * `ProgressBar`: the run's console progress, as Lightning's TQDM bar shows it.
 *
 * On a terminal (`stream.isTTY`, stderr by default) each train epoch gets a
 * cli-progress bar: batch i/n, the loss and the progress-bar metrics, it/s,
 * and the ETA of the epoch and of the whole run (from `maxEpochs` /
 * `maxSteps` and the measured rate, plus the last validation's duration per
 * epoch left). Validation, test and predict show their own short bar, cleared
 * when done. The bar's text is recomputed at most every `payloadIntervalMs`
 * (100 ms); cli-progress redraws at 10 fps.
 *
 * Elsewhere (a log file, CI) it writes one plain line every `refreshRate`
 * train batches and none for evaluation.
 *
 * Both modes print one summary line per epoch, once the epoch's validation
 * (if any) has finished, so it carries the val metrics. At each train
 * epoch's end it also logs the epoch's training throughput and the process's
 * resident memory (`train/img_per_s`, `system/rss_mb`), which it measures
 * anyway or at the cost of one system call, so metrics files and the
 * dashboard carry them.
 *
 * It never reads a tensor: metrics come from `trainer.callbackMetrics`, which
 * the Trainer fills with numbers. The metrics shown are those named in
 * `trainer.progressBarMetrics` when the Trainer provides that list (names
 * logged with `progBar: true`), else the `metrics` option, else every name
 * ending in `loss`, `loss_step` or `acc_top1`.
 *
 * `print(message)` writes a line above the bar without tearing it: the bar
 * offers it as its `printer`, and the Trainer routes `trainer.print` there.
 *
 * @example
 * const bar = new ProgressBar({ refreshRate: 20 });
 * const trainer = new Trainer({ callbacks: [bar] }); // trainer.print(...) now goes through bar.print
 * // Epoch 3/10 [========------------] 120/300 loss 0.412 val/acc_top1 0.871 | 41.2 it/s | ETA 0:04 (run 2:13)
 */
import { clearLine, cursorTo } from 'node:readline';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import type { TrainableModule } from '../trainable-module.js';
import { register } from '../../registry.js';
import { Callback } from '../callback.js';
import type { BatchContext, TrainerStage } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';
import { BarTerminal } from './bar-terminal.js';
import type { TerminalStream } from './bar-terminal.js';

/** Options of `ProgressBar` that a config can set. */
export const progressBarSchema = z
  .object({
    /** Without a terminal: one line every this many train batches. */
    refreshRate: z.number().int().positive().default(50),
    /** The shortest time between two recomputations of the bar's text, in ms. */
    payloadIntervalMs: z.number().nonnegative().default(100),
    /** Metric names to show (null: the Trainer's progress-bar metrics, else losses and top-1 accuracies). */
    metrics: z.array(z.string()).nullable().default(null),
  })
  .strict();

/** A stream the bar writes to (process.stderr, or a fake in tests). */
export type ProgressStream = TerminalStream;

/** What the `ProgressBar` constructor accepts. */
export type ProgressBarOptions = z.input<typeof progressBarSchema> & {
  /** Where the bar and progress lines go (default process.stderr). */
  stream?: ProgressStream;
  /** Where `print` writes messages (default process.stdout). */
  printStream?: NodeJS.WritableStream;
  /** The clock, in ms (tests). */
  now?: () => number;
};

const DEFAULT_METRIC = /(^|\/)(loss|loss_step|acc_top1)$/;
const STAGE_LABEL: Record<TrainerStage, string> = { fit: 'Validating', validate: 'Validating', test: 'Testing', predict: 'Predicting' };

/**
 * Seconds as m:ss or h:mm:ss ('?' when unknown).
 *
 * @example
 * formatEta(3725); // '1:02:05'
 */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const two = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** A metric value in 4 significant digits (whole numbers as they are). */
function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 ? v.toPrecision(4) : v.toExponential(2);
}

interface EpochState {
  epoch: number;
  startMs: number;
  startStep: number;
  done: number;
  /** A validation ran during this epoch (not the sanity check). */
  validated: boolean;
  /** Train batches ended; the summary waits for validation. */
  ended: boolean;
  /** Time spent in validation during this epoch, in ms (not train time). */
  evalMs: number;
  /** Training images so far this epoch. */
  images: number;
}

/**
 * Shows training progress: a live bar on a terminal, plain lines elsewhere.
 *
 * @example
 * new ProgressBar({ stream: fakeStream }).onTrainBatchEnd(trainer, module, { batch, batchIdx: 49 }); // one line at batch 50
 */
export class ProgressBar extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly refreshRate: number;
  readonly payloadIntervalMs: number;
  readonly metrics: readonly string[] | null;
  readonly #stream: ProgressStream;
  readonly #printStream: NodeJS.WritableStream;
  readonly #now: () => number;
  #bar: SingleBar | null = null;
  #payload: Record<string, string> = {};
  #payloadAt = -Infinity;
  #epoch: EpochState | null = null;
  #evalStartMs = 0;
  #evalDone = 0;
  /** The last validation's duration in ms, for the run's ETA. */
  #valMs = 0;

  constructor(options: ProgressBarOptions = {}) {
    super();
    const { stream, printStream, now, ...rest } = options;
    const parsed = parseOptions('ProgressBar', progressBarSchema, rest);
    this.refreshRate = parsed.refreshRate;
    this.payloadIntervalMs = parsed.payloadIntervalMs;
    this.metrics = parsed.metrics;
    this.#stream = stream ?? process.stderr;
    this.#printStream = printStream ?? process.stdout;
    this.#now = now ?? (() => performance.now());
  }

  /** True when the bar draws on a terminal. */
  get isTTY(): boolean {
    return this.#stream.isTTY === true;
  }

  /** The bar draws on the console: the Trainer's `print` goes through `print` below. */
  override get printer(): (message: string) => void {
    return (message) => this.print(message);
  }

  /**
   * Writes `message` on its own line above the bar (the bar is redrawn below
   * it). The Trainer routes `trainer.print` here while the bar is in use.
   */
  print(message: string): void {
    if (this.#bar !== null && this.isTTY) {
      cursorTo(this.#stream, 0);
      clearLine(this.#stream, 0);
      this.#printStream.write(`${message}\n`);
      this.#bar.render();
    } else {
      this.#printStream.write(`${message}\n`);
    }
  }

  #shownMetrics(trainer: TrainerView): [string, number][] {
    const metrics = trainer.callbackMetrics;
    const listed = this.metrics ?? (trainer as TrainerView & { progressBarMetrics?: readonly string[] }).progressBarMetrics ?? null;
    const names = listed ?? Object.keys(metrics).filter((n) => DEFAULT_METRIC.test(n));
    const shown = names
      .filter((n) => typeof metrics[n] === 'number')
      .map((n): [string, number] => [n === 'train/loss_step' ? 'loss' : n, metrics[n]]);
    return [...shown.filter(([n]) => n === 'loss'), ...shown.filter(([n]) => n !== 'loss')];
  }

  #metricsText(trainer: TrainerView): string {
    return this.#shownMetrics(trainer)
      .map(([n, v]) => `${n} ${formatValue(v)}`)
      .join(' ');
  }

  /** Seconds per train batch so far this epoch, and per optimizer step. */
  #rates(trainer: TrainerView, e: EpochState): { perBatch: number | null; perStep: number | null } {
    const seconds = (this.#now() - e.startMs - e.evalMs) / 1000;
    const steps = trainer.globalStep - e.startStep;
    return { perBatch: e.done > 0 ? seconds / e.done : null, perStep: steps > 0 ? seconds / steps : null };
  }

  /** Seconds to the end of the epoch and of the run (null: unknown). */
  etas(trainer: TrainerView): { epoch: number | null; run: number | null } {
    const e = this.#epoch;
    if (e === null) return { epoch: null, run: null };
    const { perBatch, perStep } = this.#rates(trainer, e);
    const n = trainer.numTrainBatches;
    const epoch = perBatch === null ? null : Math.max(0, n - e.done) * perBatch;
    const candidates: number[] = [];
    if (trainer.maxEpochs !== null && epoch !== null && perBatch !== null) {
      const epochsAfter = Math.max(0, trainer.maxEpochs - e.epoch - 1);
      candidates.push(epoch + epochsAfter * (n * perBatch + this.#valMs / 1000));
    }
    if (trainer.maxSteps !== null && perStep !== null) candidates.push(Math.max(0, trainer.maxSteps - trainer.globalStep) * perStep);
    return { epoch, run: candidates.length > 0 ? Math.min(...candidates) : null };
  }

  #epochLabel(trainer: TrainerView, epoch: number): string {
    return `Epoch ${epoch + 1}${trainer.maxEpochs === null ? '' : `/${trainer.maxEpochs}`}`;
  }

  #stopBar(): void {
    this.#bar?.stop();
    this.#bar = null;
  }

  #startBar(format: string, total: number, value: number, payload: Record<string, string>): void {
    this.#stopBar();
    const options = {
      stream: this.#stream,
      terminal: new BarTerminal(this.#stream),
      format,
      barsize: 20,
      hideCursor: true,
      clearOnComplete: true,
      forceRedraw: true,
      synchronousUpdate: false, // drawn here when the text changes, and by cli-progress's own 10 fps timer
      fps: 10,
      gracefulExit: false, // the Trainer's signal handling owns SIGINT; teardown and onException stop the bar
    };
    this.#bar = new SingleBar(options);
    this.#bar.start(total, value, payload);
  }

  // ---- train ----

  override onTrainEpochStart(trainer: TrainerView, _module?: TrainableModule): void {
    if (!trainer.isGlobalZero) return;
    this.#flushSummary(trainer);
    const startStep = trainer.globalStep;
    this.#epoch = {
      epoch: trainer.currentEpoch,
      startMs: this.#now(),
      startStep,
      done: 0,
      validated: false,
      ended: false,
      evalMs: 0,
      images: 0,
    };
    this.#payloadAt = -Infinity;
    if (this.isTTY) this.#startTrainBar(trainer);
  }

  #startTrainBar(trainer: TrainerView): void {
    const e = this.#epoch!;
    this.#payload = { epoch: this.#epochLabel(trainer, e.epoch), metrics: '', rate: '?', etaEpoch: '?', etaRun: '?' };
    const format = '{epoch} [{bar}] {value}/{total} {metrics}| {rate} it/s | ETA {etaEpoch} (run {etaRun})';
    this.#startBar(format, trainer.numTrainBatches, e.done, this.#payload);
  }

  override onTrainBatchEnd(trainer: TrainerView, _module: TrainableModule | undefined, context: BatchContext): void {
    const e = this.#epoch;
    if (e === null || !trainer.isGlobalZero) return;
    e.done = context.batchIdx + 1;
    e.images += context.batch.images.size(0);
    if (this.isTTY) {
      const now = this.#now();
      if (now - this.#payloadAt >= this.payloadIntervalMs) {
        this.#payloadAt = now;
        this.#payload = { ...this.#payload, ...this.#progressFields(trainer) };
        this.#bar?.update(e.done, this.#payload);
        this.#bar?.render();
      } else {
        this.#bar?.update(e.done, this.#payload);
      }
    } else if (e.done % this.refreshRate === 0) {
      const f = this.#progressFields(trainer);
      const metrics = f.metrics === '' ? '' : `${f.metrics}| `;
      this.#stream.write(
        `${this.#epochLabel(trainer, e.epoch)} batch ${e.done}/${trainer.numTrainBatches} ${metrics}${f.rate} it/s | ETA ${f.etaEpoch} (run ${f.etaRun})\n`,
      );
    }
  }

  #progressFields(trainer: TrainerView): { metrics: string; rate: string; etaEpoch: string; etaRun: string } {
    const e = this.#epoch!;
    const { perBatch } = this.#rates(trainer, e);
    const eta = this.etas(trainer);
    const metrics = this.#metricsText(trainer);
    return {
      metrics: metrics === '' ? '' : `${metrics} `,
      rate: perBatch === null || perBatch === 0 ? '?' : (1 / perBatch).toFixed(1),
      etaEpoch: formatEta(eta.epoch),
      etaRun: formatEta(eta.run),
    };
  }

  override onTrainEpochEnd(trainer: TrainerView, _module?: TrainableModule): void {
    const e = this.#epoch;
    if (e === null) return;
    e.ended = true;
    const trainSeconds = (this.#now() - e.startMs - e.evalMs) / 1000;
    if (trainSeconds > 0) trainer.log('train/img_per_s', e.images / trainSeconds, { onStep: false, onEpoch: true });
    trainer.log('system/rss_mb', process.memoryUsage.rss() / 2 ** 20, { onStep: false, onEpoch: true });
    this.#stopBar();
    // Validation that already ran this epoch is in the metrics; otherwise wait for the one that follows.
    if (e.validated) this.#flushSummary(trainer);
  }

  #flushSummary(trainer: TrainerView): void {
    const e = this.#epoch;
    if (e === null || !e.ended) return;
    const seconds = (this.#now() - e.startMs) / 1000;
    const metrics = this.#metricsText(trainer);
    const run = this.etas(trainer).run;
    const { perBatch } = this.#rates(trainer, e);
    this.#epoch = null;
    const rate = perBatch !== null && perBatch > 0 ? ` (${(1 / perBatch).toFixed(1)} it/s)` : '';
    const more = trainer.maxEpochs !== null && e.epoch + 1 < trainer.maxEpochs ? ` | run ETA ${formatEta(run)}` : '';
    this.print(`${this.#epochLabel(trainer, e.epoch)} done in ${formatEta(seconds)}${rate}${metrics === '' ? '' : ` | ${metrics}`}${more}`);
  }

  override onTrainEnd(trainer: TrainerView, _module?: TrainableModule): void {
    this.#stopBar();
    this.#flushSummary(trainer);
  }

  // ---- validation, test, predict ----

  #evalStart(trainer: TrainerView): void {
    if (!trainer.isGlobalZero) return;
    this.#evalStartMs = this.#now();
    this.#evalDone = 0;
    this.#payloadAt = -Infinity;
    if (!this.isTTY) return;
    this.#stopBar(); // a train bar in the middle of an epoch comes back after
    const label = trainer.sanityChecking ? 'Sanity checking' : STAGE_LABEL[trainer.stage];
    this.#payload = { label, rate: '?' };
    this.#startBar('{label} {value} batches | {rate} it/s', 0, 0, this.#payload);
  }

  #evalBatchEnd(): void {
    this.#evalDone++;
    if (this.#bar === null) return;
    const now = this.#now();
    if (now - this.#payloadAt >= this.payloadIntervalMs) {
      this.#payloadAt = now;
      const seconds = (now - this.#evalStartMs) / 1000;
      this.#payload = { ...this.#payload, rate: seconds > 0 ? (this.#evalDone / seconds).toFixed(1) : '?' };
      this.#bar.update(this.#evalDone, this.#payload);
      this.#bar.render();
    } else {
      this.#bar.update(this.#evalDone, this.#payload);
    }
  }

  #evalEnd(trainer: TrainerView): void {
    this.#stopBar();
    if (!trainer.isGlobalZero) return;
    const e = this.#epoch;
    if (trainer.stage !== 'fit' || trainer.sanityChecking || e === null) return;
    this.#valMs = this.#now() - this.#evalStartMs;
    e.evalMs += this.#valMs;
    e.validated = true;
    if (e.ended) this.#flushSummary(trainer);
    else if (this.isTTY) this.#startTrainBar(trainer);
  }

  override onValidationStart(trainer: TrainerView, _module?: TrainableModule): void {
    this.#evalStart(trainer);
  }
  override onValidationBatchEnd(_trainer?: TrainerView, _module?: TrainableModule, _context?: BatchContext): void {
    this.#evalBatchEnd();
  }
  override onValidationEnd(trainer: TrainerView, _module?: TrainableModule): void {
    this.#evalEnd(trainer);
  }
  override onTestStart(trainer: TrainerView, _module?: TrainableModule): void {
    this.#evalStart(trainer);
  }
  override onTestBatchEnd(_trainer?: TrainerView, _module?: TrainableModule, _context?: BatchContext): void {
    this.#evalBatchEnd();
  }
  override onTestEnd(trainer: TrainerView, _module?: TrainableModule): void {
    this.#evalEnd(trainer);
  }
  override onPredictStart(trainer: TrainerView, _module?: TrainableModule): void {
    this.#evalStart(trainer);
  }
  override onPredictBatchEnd(_trainer?: TrainerView, _module?: TrainableModule, _context?: BatchContext): void {
    this.#evalBatchEnd();
  }
  override onPredictEnd(trainer: TrainerView, _module?: TrainableModule): void {
    this.#evalEnd(trainer);
  }

  /** A failed run must not leave a bar's redraw timer running (it keeps the process alive). */
  override onException(_trainer?: TrainerView, _module?: TrainableModule, _error?: unknown): void {
    this.#stopBar();
  }
  override teardown(_trainer?: TrainerView, _module?: TrainableModule, _stage?: TrainerStage): void {
    this.#stopBar();
  }
}

register({
  group: 'callback',
  name: 'progress_bar',
  schema: progressBarSchema,
  build: (options) => new ProgressBar(options),
  description: 'A live progress bar on a terminal, plain lines every refreshRate batches elsewhere',
});
