/**
 * Ranking numbers of one label's scores against its 0/1 targets, computed on
 * the host in float64 once per epoch: the precision-recall curve, average
 * precision and ROC AUC as scikit-learn 1.2 defines them, and the threshold
 * that maximises F1. The multi-label metrics and the threshold tuning share
 * them, so a curve in the report and the mAP logged beside it agree.
 *
 * Definitions (sklearn's `precision_recall_curve`, `average_precision_score`,
 * `roc_auc_score`): one curve point per distinct score t, predicting
 * positive when score >= t; AP = Σ_k (R_k − R_{k−1}) P_k over the points from
 * the highest threshold down, R_0 = 0. A label with no positives has recall 1
 * everywhere and AP 0 (sklearn warns and does the same). ROC AUC is the
 * Mann-Whitney statistic with ties counted one half; it is NaN when the label
 * has no positives or no negatives (sklearn raises there).
 *
 * @example
 * const { precision, recall, thresholds } = precisionRecallCurve([0.9, 0.4, 0.6], [1, 0, 1]);
 * averagePrecision([0.9, 0.4, 0.6], [1, 0, 1]); // 1
 */

/** A precision-recall curve, one point per distinct score, highest threshold first. */
export interface PrecisionRecallCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
  /** Rows whose target is positive. */
  positives: number;
}

/** Row indices sorted by descending score (stable, so equal scores keep their order). */
function descending(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
}

/**
 * The precision-recall curve of `scores` against 0/1 `target`.
 *
 * @example
 * precisionRecallCurve([0.8, 0.8, 0.1], [1, 0, 1]).precision; // [0.5, 0.666...]
 */
export function precisionRecallCurve(scores: ArrayLike<number>, target: ArrayLike<number>): PrecisionRecallCurve {
  const order = descending(scores);
  let positives = 0;
  for (let i = 0; i < target.length; i++) positives += target[i] > 0 ? 1 : 0;
  const curve: PrecisionRecallCurve = { precision: [], recall: [], thresholds: [], positives };
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    tp += target[order[k]] > 0 ? 1 : 0;
    // A point closes a run of equal scores: tied rows move together.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    curve.precision.push(tp / (k + 1));
    curve.recall.push(positives === 0 ? 1 : tp / positives);
    curve.thresholds.push(scores[order[k]]);
  }
  return curve;
}

/**
 * Average precision (sklearn's step-wise sum, no interpolation); 0 for a label with no positives.
 *
 * @example
 * averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.8333...
 */
export function averagePrecision(scores: ArrayLike<number>, target: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(scores, target);
  let ap = 0;
  let previous = 0;
  for (let k = 0; k < precision.length; k++) {
    ap += (recall[k] - previous) * precision[k];
    previous = recall[k];
  }
  return ap;
}

/**
 * ROC AUC: the probability that a positive scores above a negative, ties one half; NaN without both kinds of rows.
 *
 * @example
 * rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 */
export function rocAuc(scores: ArrayLike<number>, target: ArrayLike<number>): number {
  const order = descending(scores).reverse();
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    // Tied rows share the mean of their 1-based ranks.
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (target[order[k]] > 0) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * The threshold among the distinct scores whose predictions (score >= t) have
 * the highest F1, the highest such threshold on a tie, with that F1; null for
 * a label with no positives (no threshold helps: the caller keeps its own).
 *
 * @example
 * bestF1Threshold([0.2, 0.6, 0.7, 0.65], [0, 1, 1, 0]); // { threshold: 0.6, f1: 0.8 }
 */
export function bestF1Threshold(scores: ArrayLike<number>, target: ArrayLike<number>): { threshold: number; f1: number } | null {
  const { precision, recall, thresholds, positives } = precisionRecallCurve(scores, target);
  if (positives === 0) return null;
  let best: { threshold: number; f1: number } | null = null;
  for (let k = 0; k < thresholds.length; k++) {
    const sum = precision[k] + recall[k];
    const f1 = sum === 0 ? 0 : (2 * precision[k] * recall[k]) / sum;
    if (best === null || f1 > best.f1) best = { threshold: thresholds[k], f1 };
  }
  return best;
}
