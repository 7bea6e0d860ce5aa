/**
 * `MulticlassF1Score`, as torchmetrics' `MulticlassF1Score` (F-beta with
 * beta = 1, `zero_division=0`): 2 tp / (2 tp + fp + fn) per class; 'micro'
 * pools the counts first. Averaging rules are `MulticlassStatScores`'.
 *
 * @example
 * const f1 = new MulticlassF1Score({ numClasses: 5 });
 * f1.update(logits, labels);
 * f1.compute().item(); // macro F1
 */
import type { Tensor } from '../torch/index.js';
import { averageScores, MulticlassStatScores, safeDivide } from './stat-scores.js';
import type { StatCounts } from './stat-scores.js';

function f1(tp: Tensor, fp: Tensor, fn: Tensor): Tensor {
  return safeDivide(tp.mul(2), tp.mul(2).add(fp).add(fn));
}

/** Multiclass F1 score with torchmetrics' averaging rules. */
export class MulticlassF1Score extends MulticlassStatScores {
  protected reduce(counts: StatCounts): Tensor {
    const { tp, fp, fn } = counts;
    if (this.average === 'micro') return f1(tp.sum(), fp.sum(), fn.sum());
    return averageScores(f1(tp, fp, fn), counts, this.average, this.topK);
  }
}
