/**
 * The metrics one split keeps over an epoch (Pattern A: `update` every step,
 * `compute` + log + `reset` at the epoch's end). Train: loss, top-1. Val and
 * test: loss, top-1, top-k (k = min(5, C)), per-class accuracy (of the
 * classes the split has samples of), macro F1 and the confusion matrix (kept
 * for callbacks). Top-1/top-k are micro averages (the fraction of samples
 * right), as "top-1 accuracy" is usually reported.
 *
 * @example
 * const m = new SplitMetrics('val', { numClasses: 10 });
 * m.update(logits, labels, loss); const values = m.computeAndReset();
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { MeanMetric, MulticlassAccuracy, MulticlassConfusionMatrix, MulticlassF1Score } from '../metrics/index.js';
import type { MetricReducer } from '../metrics/metric.js';

/** A data split, the prefix of its log names. @example const split: Split = 'val'; */
export type Split = 'train' | 'val' | 'test';

/** What an epoch's compute returns: scalar values by log name, and the confusion matrix. */
export interface SplitResult {
  values: Record<string, number>;
  confusionMatrix: Tensor | null;
}

/**
 * One split's metrics for an epoch.
 *
 * @example
 * const m = new SplitMetrics('val', { numClasses: 3, classNames: ['cat', 'dog', 'bird'] });
 */
export class SplitMetrics {
  readonly split: Split;
  readonly topK: number;
  readonly #classNames: string[];
  readonly #loss = new MeanMetric();
  readonly #top1: MulticlassAccuracy;
  readonly #topK: MulticlassAccuracy | null;
  readonly #perClass: MulticlassAccuracy | null;
  readonly #f1: MulticlassF1Score | null;
  readonly #confusion: MulticlassConfusionMatrix | null;

  constructor(split: Split, options: { numClasses: number; classNames?: string[] }) {
    const { numClasses } = options;
    this.split = split;
    this.topK = Math.min(5, numClasses);
    this.#classNames = options.classNames ?? Array.from({ length: numClasses }, (_, i) => String(i));
    this.#top1 = new MulticlassAccuracy({ numClasses, topK: 1, average: 'micro' });
    const full = split !== 'train';
    this.#topK = full && this.topK > 1 ? new MulticlassAccuracy({ numClasses, topK: this.topK, average: 'micro' }) : null;
    this.#perClass = full ? new MulticlassAccuracy({ numClasses, average: 'none' }) : null;
    this.#f1 = full ? new MulticlassF1Score({ numClasses, average: 'macro' }) : null;
    this.#confusion = full ? new MulticlassConfusionMatrix({ numClasses }) : null;
  }

  /** Adds one batch: logits [B, C], int64 targets [B], and the batch's mean loss. */
  update(logits: Tensor, target: Tensor, loss: Tensor): void {
    torch.tidy(() => {
      const detached = logits.detach();
      this.#loss.update(loss.detach(), target.size(0));
      this.#top1.update(detached, target);
      this.#topK?.update(detached, target);
      this.#perClass?.update(detached, target);
      this.#f1?.update(detached, target);
      this.#confusion?.update(detached, target);
    });
  }

  /** Computes every metric (one host sync for all), then resets. The confusion matrix is the caller's to dispose. */
  computeAndReset(): SplitResult {
    const s = this.split;
    const values: Record<string, number> = {};
    const confusionMatrix = this.#confusion === null ? null : torch.keep(this.#confusion.compute());
    torch.tidy(() => {
      values[`${s}/loss`] = this.#loss.compute().item();
      values[`${s}/acc_top1`] = this.#top1.compute().item();
      if (this.#topK !== null) values[`${s}/acc_top${this.topK}`] = this.#topK.compute().item();
      if (this.#f1 !== null) values[`${s}/f1_macro`] = this.#f1.compute().item();
      if (this.#perClass !== null && confusionMatrix !== null) {
        const perClass = this.#perClass.compute().toArray() as number[];
        const support = confusionMatrix.sum({ dim: 1 }).toArray() as number[];
        perClass.forEach((v, i) => {
          // A class without a sample in this split has no accuracy: a 0 would read as a class never recognised.
          if (support[i] > 0) values[`${s}/acc_class/${this.#classNames[i].replaceAll('/', '_')}`] = v;
        });
      }
    });
    this.reset();
    return { values, confusionMatrix };
  }

  /**
   * Every metric's states summed (or gathered) over the ranks of a
   * data-parallel run, before `computeAndReset()`; every rank must call it.
   *
   * @example
   * m.sync({ sum: (ts) => group.allReduce(ts), gather: (t) => group.allGather(t) }); m.computeAndReset();
   */
  sync(reduce: MetricReducer): void {
    for (const m of [this.#loss, this.#top1, this.#topK, this.#perClass, this.#f1, this.#confusion]) m?.syncStates(reduce);
  }

  /** Drops every metric's state without computing (`computeAndReset` calls it; also for a discarded sanity check). */
  reset(): void {
    for (const m of [this.#loss, this.#top1, this.#topK, this.#perClass, this.#f1, this.#confusion]) m?.reset();
  }

  /** Frees the metrics' tensors; the instance is unusable after. */
  dispose(): void {
    for (const m of [this.#loss, this.#top1, this.#topK, this.#perClass, this.#f1, this.#confusion]) m?.dispose();
  }
}
