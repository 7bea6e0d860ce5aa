/**
 * The top losses, fastai's `plot_top_losses`: the k samples with the
 * highest per-sample loss, each with its true and predicted class and the
 * confidence of the prediction.
 *
 * @example
 * topLosses(predictions, 16)[0]; // { rank: 0, sample: 41, path: 'val/cat/7.jpg', trueClass: 'cat', predicted: 'dog', confidence: 0.97, loss: 5.1 }
 */
import { argmaxRows } from './confusion-counts.js';
import type { Predictions } from './predictions.js';

/** One sample among the top losses. */
export interface TopLoss {
  /** 0 for the highest loss. */
  rank: number;
  /** Its position in the predictions. */
  sample: number;
  path: string;
  trueClass: string;
  predicted: string;
  /** The probability of the predicted class. */
  confidence: number;
  loss: number;
}

/**
 * The `k` highest losses, highest first (ties: the earlier sample first).
 *
 * @example
 * topLosses(predictions, 3).map((t) => t.path);
 */
export function topLosses(predictions: Predictions, k: number): TopLoss[] {
  const { probs, targets, losses, paths, classNames } = predictions;
  const c = classNames.length;
  const predicted = argmaxRows(probs, c);
  const order = Array.from(losses.keys())
    .filter((i) => !Number.isNaN(losses[i]))
    .sort((a, b) => losses[b] - losses[a] || a - b)
    .slice(0, Math.max(0, k));
  return order.map((i, rank) => ({
    rank,
    sample: i,
    path: paths[i],
    trueClass: classNames[targets[i]],
    predicted: classNames[predicted[i]],
    confidence: probs[i * c + predicted[i]],
    loss: losses[i],
  }));
}
