/**
 * `MulticlassPrecision`, as torchmetrics' `MulticlassPrecision`
 * (`zero_division=0`): tp / (tp + fp) per class; 'micro' pools the counts.
 * Averaging rules are `MulticlassStatScores`'.
 *
 * @example
 * const precision = new MulticlassPrecision({ numClasses: 3, average: 'none' });
 * precision.update(logits, labels);
 * precision.compute(); // float32 [3]
 */
import type { Tensor } from '../torch/index.js';
import { averageScores, MulticlassStatScores, safeDivide } from './stat-scores.js';
import type { StatCounts } from './stat-scores.js';

/** Multiclass precision with torchmetrics' averaging rules. */
export class MulticlassPrecision extends MulticlassStatScores {
  protected reduce(counts: StatCounts): Tensor {
    const { tp, fp } = counts;
    if (this.average === 'micro') return safeDivide(tp.sum(), tp.add(fp).sum());
    return averageScores(safeDivide(tp, tp.add(fp)), counts, this.average, this.topK);
  }
}
