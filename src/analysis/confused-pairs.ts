/**
 * The most-confused pairs of a confusion matrix, fastai's `most_confused`:
 * every (true, predicted) pair off the diagonal with at least `minCount`
 * samples, by count, then by share of the true class.
 *
 * @example
 * mostConfused([[5, 3], [1, 4]], ['cat', 'dog']); // [{ trueClass: 'cat', predicted: 'dog', count: 3, share: 0.375 }, ...]
 */

/** One pair: samples of `trueClass` predicted as `predicted`. */
export interface ConfusedPair {
  trueClass: string;
  predicted: string;
  count: number;
  /** count / the true class's support. */
  share: number;
}

/**
 * The pairs, most frequent first (ties: the larger share, then class order).
 *
 * @example
 * mostConfused(counts, names, { minCount: 2, limit: 10 });
 */
export function mostConfused(
  counts: readonly (readonly number[])[],
  classNames: readonly string[],
  options: { minCount?: number; limit?: number } = {},
): ConfusedPair[] {
  const minCount = Math.max(1, options.minCount ?? 1);
  const pairs: (ConfusedPair & { order: number })[] = [];
  counts.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count >= minCount)
        pairs.push({ trueClass: classNames[t], predicted: classNames[p], count, share: count / support, order: t * row.length + p });
    });
  });
  pairs.sort((a, b) => b.count - a.count || b.share - a.share || a.order - b.order);
  return pairs
    .slice(0, options.limit ?? pairs.length)
    .map(({ trueClass, predicted, count, share }) => ({ trueClass, predicted, count, share }));
}
