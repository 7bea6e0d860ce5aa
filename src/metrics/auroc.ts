/**
 * `MulticlassAUROC`, as torchmetrics' `MulticlassAUROC` with
 * `thresholds=None` (the exact, unbinned computation), one-vs-rest.
 *
 * Definitions, as torchmetrics 1.x:
 * - per update, rows whose target is `ignoreIndex` (or outside [0, C)) are left
 *   out, and the scores go through a softmax over classes unless every value
 *   of the batch's counted rows is already in [0, 1] (decided per batch).
 * - per class c, the ROC curve of score[:, c] against (target == c), with one
 *   point per distinct score (tied scores move together) and (0, 0) prepended;
 *   the area is by trapezoids. This equals the Mann-Whitney statistic with
 *   ties counted one half, which is how it is computed here, vectorised over classes.
 * - a class with no positive rows gets AUROC 0 (torchmetrics warns and uses
 *   tpr = 0), and so does a class with no negative rows (fpr = 0).
 * - 'macro' is the plain mean over all C classes (those zeros included);
 *   'weighted' weights each class by its number of target rows; 'none' gives [C].
 *
 * Memory grows with the rows seen (all scores are kept until `compute()`).
 *
 * @example
 * const auroc = new MulticlassAUROC({ numClasses: 10 });
 * auroc.update(logits, labels);
 * auroc.compute().item();
 */
import { arange, cat, cumsum, flip, gather, logicalAnd, logicalNot, ones, sort, tidy, where, zeros } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { runTs } from '../torch/ops/dispatch.js';
import {
  checkChoice,
  checkClassInputs,
  checkClassOptions,
  checkClassValues,
  oneHotMask,
  probabilitiesIfNeeded,
  validRows,
} from './inputs.js';
import type { ClassInputOptions } from './inputs.js';
import { Metric } from './metric.js';
import { safeDivide } from './stat-scores.js';

/** How per-class AUROCs are combined. */
export type AurocAverage = 'macro' | 'weighted' | 'none';
const aurocAverages: readonly AurocAverage[] = ['macro', 'weighted', 'none'];

/** Options of `MulticlassAUROC`. */
export interface AurocOptions extends ClassInputOptions {
  /** Default 'macro', as torchmetrics. */
  average?: AurocAverage;
}

/** Row indices of the first (cummax from the top) or last (cummin from the bottom) element of each run of ties. */
function runBounds(sorted: Tensor): { start: Tensor; end: Tensor } {
  const [m, c] = sorted.shape;
  const differs = sorted.slice(0, 1).ne(sorted.slice(0, 0, m - 1));
  const edge = ones([1, c], { dtype: 'bool', device: sorted.device });
  const isStart = cat([edge, differs], 0);
  const isEnd = cat([differs, edge], 0);
  const rows = arange(0, m, 1, { device: sorted.device }).unsqueeze(1).expand([m, c]);
  const [start] = runTs('aten::cummax', '', [where(isStart, rows, 0), 0]);
  const [endFlipped] = runTs('aten::cummin', '', [flip(where(isEnd, rows, m), [0]), 0]);
  return { start, end: flip(endFlipped, [0]) };
}

/**
 * Per-class one-vs-rest AUROC (float64 [C]) and positives per class from
 * scores [M, C], targets [M] and the counted rows (bool [M]); no host sync.
 *
 * @example
 * const { auroc } = onesVsRestAuroc(probs, labels, validRows(labels, 5, null), 5);
 */
export function onesVsRestAuroc(scores: Tensor, target: Tensor, valid: Tensor, numClasses: number): { auroc: Tensor; positives: Tensor } {
  const actual = oneHotMask(target, numClasses);
  const rows = valid.unsqueeze(1);
  const positive = logicalAnd(actual, rows).double();
  const negative = logicalAnd(logicalNot(actual), rows).double();
  const { values, indices } = sort(scores, { dim: 0, descending: true });
  const pos = gather(positive, 0, indices);
  const neg = gather(negative, 0, indices);
  const tps = cumsum(pos, 0);
  const { start, end } = runBounds(values);
  // every negative row scores (positives strictly above it) + 1/2 (positives tied with it)
  const before = gather(tps, 0, start).sub(gather(pos, 0, start));
  const through = gather(tps, 0, end);
  const area = neg.mul(before.add(through)).sum({ dim: 0 }).div(2);
  const positives = positive.sum({ dim: 0 });
  return { auroc: safeDivide(area, positives.mul(negative.sum({ dim: 0 }))), positives };
}

/** One-vs-rest multiclass AUROC, exact (unbinned). */
export class MulticlassAUROC extends Metric {
  readonly numClasses: number;
  readonly average: AurocAverage;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;

  constructor(options: AurocOptions) {
    super();
    checkClassOptions('MulticlassAUROC', options);
    this.numClasses = options.numClasses;
    this.average = checkChoice('MulticlassAUROC', 'average', options.average ?? 'macro', aurocAverages);
    this.ignoreIndex = options.ignoreIndex ?? null;
    this.validateArgs = options.validateArgs ?? false;
    this.addListState('scores');
    this.addListState('target');
  }

  protected config(): Record<string, unknown> {
    return { numClasses: this.numClasses, average: this.average, ignoreIndex: this.ignoreIndex };
  }

  /** Adds a batch: preds [N, C] logits or probabilities; target [N] class indices. */
  update(preds: Tensor, target: Tensor): void {
    checkClassInputs('MulticlassAUROC', preds, target, { numClasses: this.numClasses, allowLabels: false });
    if (this.validateArgs) checkClassValues('MulticlassAUROC', preds, target, this);
    const [scores, labels] = tidy(() => {
      const valid = validRows(target, this.numClasses, this.ignoreIndex);
      return [probabilitiesIfNeeded(preds.detach(), valid), target.long().clone()];
    });
    this.append('scores', scores);
    this.append('target', labels);
  }

  /** The AUROC: a float32 scalar, or [C] for average 'none'. */
  compute(): Tensor {
    return tidy(() => {
      const c = this.numClasses;
      const empty = (): Tensor => (this.average === 'none' ? zeros([c], { device: this.device }) : zeros([], { device: this.device }));
      if (this.listState('scores').length === 0) return empty();
      const scores = cat(this.listState('scores'), 0);
      if (scores.size(0) === 0) return empty();
      const target = cat(this.listState('target'), 0);
      const valid = validRows(target, c, this.ignoreIndex);
      const { auroc, positives } = onesVsRestAuroc(scores, target, valid, c);
      if (this.average === 'none') return auroc.float();
      if (this.average === 'macro') return auroc.mean().float();
      return auroc.mul(safeDivide(positives, positives.sum())).sum().float();
    });
  }
}
