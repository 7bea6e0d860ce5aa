/**
 * The per-class table of a confusion matrix: precision, recall and F1 with
 * torchmetrics' `average=None` rules (`zero_division=0`: a class never
 * predicted has precision 0, one without samples recall 0), the support,
 * and the three classes each is most often mistaken for.
 *
 * @example
 * const rows = perClassTable(confusionCounts(probs, targets, 3), ['cat', 'dog', 'fox']);
 * rows[0]; // { name: 'cat', precision: 0.9, recall: 0.8, f1: 0.847, support: 10, confusedWith: [{ name: 'dog', count: 2, share: 0.2 }] }
 */

/** A class another one is predicted as, how often, and the share of the true class's samples. */
export interface Confusion {
  name: string;
  count: number;
  share: number;
}

/** One class's row. */
export interface PerClassRow {
  index: number;
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** Up to 3 classes the samples of this class were predicted as, most frequent first (counts > 0 only). */
  confusedWith: Confusion[];
}

const divide = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * The table, one row per class in index order.
 *
 * @example
 * perClassTable([[3, 1], [0, 2]], ['a', 'b'])[0].recall; // 0.75
 */
export function perClassTable(counts: readonly (readonly number[])[], classNames: readonly string[], confusedTop = 3): PerClassRow[] {
  return counts.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = counts.reduce((a, r) => a + r[c], 0);
    const confusedWith = row
      .map((count, j) => ({ name: classNames[j], count, share: divide(count, support), j }))
      .filter((x) => x.j !== c && x.count > 0)
      .sort((a, b) => b.count - a.count || a.j - b.j)
      .slice(0, confusedTop)
      .map(({ name, count, share }) => ({ name, count, share }));
    return {
      index: c,
      name: classNames[c],
      precision: divide(tp, predicted),
      recall: divide(tp, support),
      f1: divide(2 * tp, support + predicted),
      support,
      confusedWith,
    };
  });
}
