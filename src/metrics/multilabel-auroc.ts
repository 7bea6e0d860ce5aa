/**
 * `MultilabelAUROC`: per-label ROC AUC (exact, ties one half) and their macro
 * mean, with scikit-learn 1.2's `roc_auc_score` numbers per label.
 *
 * A label with no positives or no negatives has no ROC curve: sklearn raises
 * for it; here its value is NaN and the macro mean is over the other labels
 * (NaN when none has both kinds of rows). A NaN says "undefined" where a 0 or
 * 0.5 would read as a measured score.
 *
 * @example
 * const auroc = new MultilabelAUROC({ numLabels: 10 });
 * auroc.update(torch.sigmoid(logits), multiHot);
 * auroc.compute(); // 0.91
 */
import { checkChoice } from './inputs.js';
import { MultilabelScoresMetric } from './multilabel-inputs.js';
import { rocAuc } from './multilabel-ranking.js';

/** Per-label AUROC (`average: 'none'`) or their mean over the labels where it is defined. */
export class MultilabelAUROC extends MultilabelScoresMetric<number | number[]> {
  readonly average: 'macro' | 'none';

  constructor(options: { numLabels: number; average?: 'macro' | 'none' }) {
    super('MultilabelAUROC', options.numLabels);
    this.average = checkChoice('MultilabelAUROC', 'average', options.average ?? 'macro', ['macro', 'none'] as const);
  }

  compute(): number | number[] {
    const perLabel = this.labelColumns().map((c) => rocAuc(c.scores, c.target));
    if (this.average === 'none') return perLabel;
    const defined = perLabel.filter((v) => !Number.isNaN(v));
    return defined.length === 0 ? Number.NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
  }

  protected override config(): Record<string, unknown> {
    return { ...super.config(), average: this.average };
  }
}
