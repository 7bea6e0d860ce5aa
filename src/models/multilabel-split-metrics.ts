/**
 * The metrics one split of a multi-label run keeps over an epoch, as
 * SplitMetrics does for single-label runs. Train: loss and micro F1 at the
 * thresholds. Val and test: loss, mAP (macro and micro) and per-label AP,
 * F1 / precision / recall (macro, micro; F1 per label) at the thresholds,
 * Hamming loss, exact-match ratio, macro and per-label AUROC. The val
 * split's probabilities and targets stay readable until the next epoch
 * (`columns`), for threshold tuning and the precision-recall plots.
 *
 * @example
 * const m = new MultilabelSplitMetrics('val', { numLabels: 10 });
 * m.update(probs, multiHot, loss); const { values } = m.computeAndReset();
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { MeanMetric, MultilabelAUROC, MultilabelAveragePrecision, MultilabelStatScores } from '../metrics/index.js';
import type { MetricReducer } from '../metrics/metric.js';
import type { Split } from './split-metrics.js';

/** An epoch's values by log name, and each label's AP (for the report's table). */
export interface MultilabelSplitResult {
  values: Record<string, number>;
  /** Per-label AP and positives of val / test; null for train. */
  perLabel: { ap: number[]; positives: number[] } | null;
}

const safeName = (name: string): string => name.replaceAll('/', '_');

/** One multi-label split's metrics for an epoch. */
export class MultilabelSplitMetrics {
  readonly split: Split;
  readonly #classNames: string[];
  readonly #loss = new MeanMetric();
  readonly #stats: MultilabelStatScores;
  readonly #ap: MultilabelAveragePrecision | null;
  readonly #auroc: MultilabelAUROC | null;

  constructor(split: Split, options: { numLabels: number; classNames?: readonly string[] }) {
    const { numLabels } = options;
    this.split = split;
    this.#classNames = options.classNames === undefined ? Array.from({ length: numLabels }, (_, i) => String(i)) : [...options.classNames];
    this.#stats = new MultilabelStatScores({ numLabels });
    const full = split !== 'train';
    this.#ap = full ? new MultilabelAveragePrecision({ numLabels, average: 'none' }) : null;
    this.#auroc = full ? new MultilabelAUROC({ numLabels, average: 'none' }) : null;
  }

  get #all() {
    return [this.#loss, this.#stats, this.#ap, this.#auroc];
  }

  /** The thresholds F1, precision and recall are counted at (from the next update on). */
  setThresholds(thresholds: readonly number[]): void {
    this.#stats.setThresholds(thresholds);
  }

  /** Adds one batch: probabilities [B, C], multi-hot (or mixed) targets [B, C], and the batch's mean loss. */
  update(probs: Tensor, target: Tensor, loss: Tensor): void {
    torch.tidy(() => {
      const p = probs.detach();
      this.#loss.update(loss.detach(), target.size(0));
      this.#stats.update(p, target);
      this.#ap?.update(p, target);
      this.#auroc?.update(p, target);
    });
  }

  /** Every label's scores and 0/1 targets of this epoch so far (val / test; empty for train). */
  columns(): { scores: Float64Array; target: Uint8Array }[] {
    return this.#ap?.labelColumns() ?? [];
  }

  /** Computes every metric, then resets. */
  computeAndReset(): MultilabelSplitResult {
    const s = this.split;
    const stats = this.#stats.compute();
    const values: Record<string, number> = { [`${s}/loss`]: torch.tidy(() => this.#loss.compute().item()) };
    let perLabel: MultilabelSplitResult['perLabel'] = null;
    if (this.#ap === null || this.#auroc === null) {
      values[`${s}/f1`] = stats.f1.micro;
    } else {
      const ap = this.#ap.computeAll();
      const auroc = this.#auroc.compute() as number[];
      const defined = auroc.filter((v) => !Number.isNaN(v));
      Object.assign(values, {
        [`${s}/mAP`]: ap.macro,
        [`${s}/mAP_micro`]: ap.micro,
        [`${s}/f1`]: stats.f1.macro,
        [`${s}/f1_micro`]: stats.f1.micro,
        [`${s}/precision`]: stats.precision.macro,
        [`${s}/recall`]: stats.recall.macro,
        [`${s}/hamming`]: stats.hamming,
        [`${s}/exact_match`]: stats.exactMatch,
      });
      if (defined.length > 0) values[`${s}/auroc`] = defined.reduce((a, b) => a + b, 0) / defined.length;
      this.#classNames.forEach((name, i) => {
        values[`${s}/ap_class/${safeName(name)}`] = ap.perLabel[i];
        values[`${s}/f1_class/${safeName(name)}`] = stats.f1.perLabel[i];
        if (!Number.isNaN(auroc[i])) values[`${s}/auroc_class/${safeName(name)}`] = auroc[i];
      });
      perLabel = { ap: ap.perLabel, positives: this.#ap.positives() };
    }
    this.reset();
    return { values, perLabel };
  }

  /** Every metric's states summed (or gathered) over the ranks of a data-parallel run; every rank must call it. */
  sync(reduce: MetricReducer): void {
    for (const m of this.#all) m?.syncStates(reduce);
  }

  reset(): void {
    for (const m of this.#all) m?.reset();
  }

  dispose(): void {
    for (const m of this.#all) m?.dispose();
  }
}
