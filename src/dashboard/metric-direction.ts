/**
 * Which way a metric improves, from its name alone: the dashboard's "best"
 * of a metric is its minimum or maximum only where the name says which.
 * A name is read as words (split at every character that is not a letter
 * or digit, case ignored), so `val/mAP`, `ap_class/3` and `val/acc_top1_tta`
 * are recognised wherever the word sits, and `lr-AdamW`, `train/img_per_s`
 * or `system/rss_mb`, which have no better side, get no best at all rather
 * than a minimum that would read as an achievement.
 *
 * @example
 * metricDirection('val/f1'); // 'max'
 * metricDirection('val/loss_tta'); // 'min'
 * metricDirection('lr-AdamW'); // null
 */

/** `max`: larger is better; `min`: smaller is better; null: neither (show the last value only). */
export type MetricDirection = 'max' | 'min' | null;

/** Losses, errors, calibration errors and durations. */
const smallerWords = /^(loss(es)?|err(or|ors)?|hamming|ece|mce|nll|brier|mse|mae|rmse|time|duration|latency|sec(ond)?s?|ms)$/;
/** Accuracy (`acc`, `acc1`, `accuracy`...), AP and mAP, F-scores, precision, recall, AUROC, top-k and overlaps. */
const largerWords =
  /^(acc\w*|ap\d*|map\d*|f1|fbeta|precision|recall|auroc|auc|auprc|top\d+|topk|iou|miou|dice|kappa|specificity|sensitivity)$/;
/** Phrases of more than one word. */
const largerPhrases = /(^|[^a-z0-9])(exact[^a-z0-9]?match|top[^a-z0-9]k)([^a-z0-9]|$)/;

/** Asked once per value of every row: remembered by name. */
const known = new Map<string, MetricDirection>();

function directionOf(metric: string): MetricDirection {
  const name = metric.toLowerCase();
  const words = name.split(/[^a-z0-9]+/);
  // A loss of an accuracy-like quantity (`val/loss_top1`) is still a loss.
  if (words.some((w) => smallerWords.test(w))) return 'min';
  if (words.some((w) => largerWords.test(w)) || largerPhrases.test(name)) return 'max';
  return null;
}

/**
 * Whether the metric's best is its maximum, its minimum, or undefined (null).
 *
 * @example
 * metricDirection('val/acc_top1'); // 'max'
 */
export function metricDirection(metric: string): MetricDirection {
  let direction = known.get(metric);
  if (direction === undefined) {
    direction = directionOf(metric);
    if (known.size < 10_000) known.set(metric, direction);
  }
  return direction;
}

/**
 * Whether `value` beats `best` for a metric going `direction` (a first value beats nothing).
 *
 * @example
 * improves('max', 0.9, 0.8); // true
 */
export function improves(direction: MetricDirection, value: number, best: number | undefined): boolean {
  if (direction === null || Number.isNaN(value)) return false;
  if (best === undefined || Number.isNaN(best)) return true;
  return direction === 'max' ? value > best : value < best;
}
