/**
 * `MulticlassRecall`, as torchmetrics' `MulticlassRecall`
 * (`zero_division=0`): tp / (tp + fn) per class; 'micro' pools the counts.
 * Averaging rules are `MulticlassStatScores`'.
 *
 * @example
 * const recall = new MulticlassRecall({ numClasses: 3, average: 'weighted' });
 * recall.update(logits, labels);
 * recall.compute().item();
 */
import type { Tensor } from '../torch/index.js';
import { averageScores, MulticlassStatScores, safeDivide } from './stat-scores.js';
import type { StatCounts } from './stat-scores.js';

/** Multiclass recall with torchmetrics' averaging rules. */
export class MulticlassRecall extends MulticlassStatScores {
  protected reduce(counts: StatCounts): Tensor {
    const { tp, fn } = counts;
    if (this.average === 'micro') return safeDivide(tp.sum(), tp.add(fn).sum());
    return averageScores(safeDivide(tp, tp.add(fn)), counts, this.average, this.topK);
  }
}
