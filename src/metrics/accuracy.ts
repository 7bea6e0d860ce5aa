/**
 * `MulticlassAccuracy`, as torchmetrics' `MulticlassAccuracy`.
 *
 * 'micro' is the fraction of counted rows whose target is among the predicted
 * class(es): sum(tp) / sum(tp + fn). Per class the score is tp / (tp + fn)
 * (the class's recall); 'macro' averages it over the classes that occur, as
 * `MulticlassStatScores` describes (with topK = 1 a class absent from both
 * preds and target is left out; with topK > 1 a class absent from target).
 *
 * @example
 * const acc = new MulticlassAccuracy({ numClasses: 10, average: 'micro', topK: 5 });
 * acc.update(logits, labels);
 * acc.compute().item(); // top-5 accuracy
 */
import type { Tensor } from '../torch/index.js';
import { averageScores, MulticlassStatScores, safeDivide } from './stat-scores.js';
import type { StatCounts } from './stat-scores.js';

/** Multiclass accuracy with torchmetrics' averaging rules. */
export class MulticlassAccuracy extends MulticlassStatScores {
  protected reduce(counts: StatCounts): Tensor {
    const { tp, fn } = counts;
    if (this.average === 'micro') return safeDivide(tp.sum(), tp.add(fn).sum());
    return averageScores(safeDivide(tp, tp.add(fn)), counts, this.average, this.topK);
  }
}
