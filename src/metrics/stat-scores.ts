/**
 * `MulticlassStatScores`: per-class true/false positive/negative counts, the
 * state behind accuracy, precision, recall and F1 (torchmetrics'
 * `MulticlassStatScores`, `multidim_average='global'`).
 *
 * Definitions, as torchmetrics 1.x:
 * - float preds [N, C] become the argmax class when `topK` is 1 (the first
 *   index wins a tie, as `torch.argmax`), or the `topK` classes `torch.topk`
 *   returns otherwise (among equal scores, whichever `topk` picks; on CPU the
 *   same as PyTorch's). Integer preds [N] are class indices (`topK` must be 1).
 * - per class c, over the counted rows: tp = target c and c predicted;
 *   fp = target not c and c predicted; fn = target c and c not predicted;
 *   tn = the rest. With `topK` > 1 a row predicts k classes at once.
 * - rows whose target is `ignoreIndex` (or outside [0, C)) are left out; an
 *   integer prediction outside [0, C) predicts no class (torchmetrics would
 *   raise for both; checking needs a host sync, see `validateArgs`).
 * - `average`: 'micro' pools the counts of all classes; 'macro' is the mean
 *   of the per-class scores over classes that occur: with `topK` = 1 a class
 *   with tp + fp + fn = 0 (absent from both preds and target) is left out,
 *   with `topK` > 1 a class with tp + fn = 0 (absent from target) is left out;
 *   'weighted' weights each class by its support tp + fn; 'none' returns the
 *   C per-class scores. Every 0/0 is 0 (torchmetrics' `zero_division=0`).
 *
 * @example
 * class MyStat extends MulticlassStatScores {
 *   protected reduce(s: StatCounts): Tensor { return s.tp.sum(); }
 * }
 */
import { ConfigError } from '../errors.js';
import { isFloatingPoint, logicalAnd, logicalNot, tidy, topk, where, zerosLike } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkChoice, checkClassInputs, checkClassOptions, checkClassValues, checkInteger, oneHotMask, validRows } from './inputs.js';
import type { ClassInputOptions } from './inputs.js';
import { Metric } from './metric.js';

/** How per-class scores are combined. */
export type ClassAverage = 'micro' | 'macro' | 'weighted' | 'none';
/** The valid values of `average`. */
export const classAverages: readonly ClassAverage[] = ['micro', 'macro', 'weighted', 'none'];

/** Options of the stat-score metrics (accuracy, precision, recall, F1). */
export interface StatScoresOptions extends ClassInputOptions {
  /** A row counts as predicting its `topK` highest-scoring classes. Default 1. */
  topK?: number;
  /** Default 'macro', as torchmetrics. */
  average?: ClassAverage;
}

/** Per-class int64 [C] counts. */
export interface StatCounts {
  tp: Tensor;
  fp: Tensor;
  tn: Tensor;
  fn: Tensor;
}

/**
 * `num / den` in float64, with 0 where `den` is 0 (torchmetrics' `_safe_divide`).
 *
 * @example
 * safeDivide(tp, tp.add(fn)); // per-class recall, 0 for a class with no targets
 */
export function safeDivide(num: Tensor, den: Tensor): Tensor {
  const n = num.double();
  const d = den.double();
  return where(d.ne(0), n.div(d), 0);
}

/**
 * Combines per-class scores with torchmetrics' `_adjust_weights_safe_divide`
 * ('micro' is handled by each metric, so here it returns `score` unchanged).
 *
 * @example
 * averageScores(safeDivide(tp, tp.add(fp)), counts, 'macro', 1); // macro precision
 */
export function averageScores(score: Tensor, counts: StatCounts, average: ClassAverage, topK: number): Tensor {
  if (average === 'none' || average === 'micro') return score;
  const { tp, fp, fn } = counts;
  const weights = average === 'weighted' ? tp.add(fn).double() : logicalNot((topK === 1 ? tp.add(fp).add(fn) : tp.add(fn)).eq(0)).double();
  return safeDivide(weights.mul(score).sum(), weights.sum());
}

/** The predicted classes of each row as a bool [N, C] mask. */
function predictedMask(preds: Tensor, numClasses: number, topK: number): Tensor {
  if (!isFloatingPoint(preds.dtype)) return oneHotMask(preds, numClasses);
  if (topK === 1) return oneHotMask(preds.argmax({ dim: 1 }), numClasses);
  const { indices } = topk(preds, topK, { dim: 1 });
  return zerosLike(preds, { dtype: 'bool' }).scatter(1, indices, 1);
}

/**
 * One batch's per-class counts (no host sync).
 *
 * @example
 * const { tp, fp, tn, fn } = batchStatCounts(logits, labels, { numClasses: 10, topK: 1 });
 */
export function batchStatCounts(
  preds: Tensor,
  target: Tensor,
  options: { numClasses: number; topK: number; ignoreIndex?: number | null },
): StatCounts {
  const valid = validRows(target, options.numClasses, options.ignoreIndex);
  const rows = valid.unsqueeze(1);
  const actual = logicalAnd(oneHotMask(target, options.numClasses), rows);
  const predicted = logicalAnd(predictedMask(preds, options.numClasses, options.topK), rows);
  const tp = logicalAnd(predicted, actual).sum({ dim: 0 });
  const fp = logicalAnd(predicted, logicalNot(actual)).sum({ dim: 0 });
  const fn = logicalAnd(logicalNot(predicted), actual).sum({ dim: 0 });
  const tn = valid.sum().sub(tp).sub(fp).sub(fn);
  return { tp, fp, tn, fn };
}

/** The shared base of MulticlassAccuracy, Precision, Recall and F1Score. */
export abstract class MulticlassStatScores extends Metric {
  readonly numClasses: number;
  readonly topK: number;
  readonly average: ClassAverage;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;

  constructor(options: StatScoresOptions) {
    super();
    const name = new.target.name;
    checkClassOptions(name, options);
    this.numClasses = options.numClasses;
    this.topK = checkInteger(name, 'topK', options.topK ?? 1, 1);
    if (this.topK > this.numClasses) {
      throw new ConfigError(`${name}: expected topK <= numClasses (${this.numClasses}), but got ${this.topK}`);
    }
    this.average = checkChoice(name, 'average', options.average ?? 'macro', classAverages);
    this.ignoreIndex = options.ignoreIndex ?? null;
    this.validateArgs = options.validateArgs ?? false;
    for (const stat of ['tp', 'fp', 'tn', 'fn']) this.addSumState(stat, [this.numClasses], 'int64');
  }

  protected config(): Record<string, unknown> {
    return { numClasses: this.numClasses, topK: this.topK, average: this.average, ignoreIndex: this.ignoreIndex };
  }

  /** Adds a batch: preds [N, C] scores (logits or probabilities) or [N] class indices; target [N] class indices. */
  update(preds: Tensor, target: Tensor): void {
    const name = this.constructor.name;
    checkClassInputs(name, preds, target, { numClasses: this.numClasses, allowLabels: this.topK === 1 });
    if (this.validateArgs) checkClassValues(name, preds, target, this);
    tidy(() => {
      const counts = batchStatCounts(preds, target, this);
      for (const stat of ['tp', 'fp', 'tn', 'fn'] as const) this.accumulate(stat, counts[stat]);
    });
  }

  /** The accumulated per-class counts (copies the caller owns). */
  counts(): StatCounts {
    return {
      tp: this.sumState('tp').clone(),
      fp: this.sumState('fp').clone(),
      tn: this.sumState('tn').clone(),
      fn: this.sumState('fn').clone(),
    };
  }

  /** The metric: a float32 scalar, or [C] for average 'none'. */
  compute(): Tensor {
    return tidy(() => {
      const counts: StatCounts = { tp: this.sumState('tp'), fp: this.sumState('fp'), tn: this.sumState('tn'), fn: this.sumState('fn') };
      return this.reduce(counts).float();
    });
  }

  /** Turns the counts into the metric (float64 is fine: `compute` casts to float32). */
  protected abstract reduce(counts: StatCounts): Tensor;
}
