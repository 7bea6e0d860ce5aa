/**
 * The confusion matrix of predictions as plain numbers (rows: true class,
 * columns: predicted class, the arg-max; ties go to the lower index, as
 * `torch.argmax`). Its normalisations are `normalizeConfusion`'s (plots/).
 *
 * @example
 * const counts = confusionCounts(probs, targets, 3); // counts[true][predicted]
 */

/** The arg-max of each row of an N x C row-major array. */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): Int32Array {
  const n = probs.length / numClasses;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < numClasses; j++) if (probs[i * numClasses + j] > probs[i * numClasses + best]) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * counts[t][p]: samples of true class t predicted as p (targets outside [0, C) are left out).
 *
 * @example
 * confusionCounts(Float32Array.of(0.9, 0.1, 0.2, 0.8), Int32Array.of(0, 0), 2); // [[1, 1], [0, 0]]
 */
export function confusionCounts(probs: ArrayLike<number>, targets: ArrayLike<number>, numClasses: number): number[][] {
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const predicted = argmaxRows(probs, numClasses);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t >= 0 && t < numClasses) counts[t][predicted[i]]++;
  }
  return counts;
}
