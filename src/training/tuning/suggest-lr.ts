/**
 * The learning rate an LR sweep suggests: the steepest descent of the
 * smoothed loss inside its valley. fastai's `valley` takes the longest
 * decreasing run of the curve and a point a fixed share along it; on a curve
 * that barely moves for decades before it falls, that run starts in the flat
 * part and the point lands decades too low. Lightning's steepest-gradient
 * suggestion is tricked by a spike at the noisy start (its issue #1767), by
 * NaN losses (#1850) and by slopes taken per index or per linear lr on an
 * exponential grid (#14248, #21141). So here:
 *
 * - only the finite points before divergence count, the first tenth (the
 *   average's warm-up) is skipped, and a running median of five takes out
 *   a spike of a point or two before anything is measured;
 * - the valley is the descent to the curve's minimum: from the highest point
 *   before the minimum, between where 10% and 90% of that drop is done;
 * - inside it, the slope against log10(lr) is taken over a few neighbours on
 *   each side (noise averages out), and the steepest wins;
 * - a curve that never falls by 1% gives no suggestion, with the reason.
 *
 * @example
 * const { suggestion } = suggestLr(lrs, smoothed);
 * suggestion?.lr; // 3.2e-3
 */

/** Where the suggestion lies on the curve. */
export interface LrSuggestion {
  lr: number;
  /** Its index in the curve. */
  index: number;
  /** The valley's first and last index (10% and 90% of the drop). */
  valley: [number, number];
}

/** A suggestion, or why there is none. */
export type SuggestResult = { suggestion: LrSuggestion; failure: null } | { suggestion: null; failure: string };

/** The smallest drop, relative to the valley's top, that counts as the loss falling. */
const minRelativeDrop = 0.01;

function argBest(values: readonly number[], from: number, to: number, better: (a: number, b: number) => boolean): number {
  let best = from;
  for (let i = from + 1; i <= to; i++) if (better(values[i], values[best])) best = i;
  return best;
}

const format = (lr: number): string => lr.toExponential(1);

/** The running median of `width` (odd) points, the window shrinking at the ends. */
function runningMedian(values: readonly number[], width: number): number[] {
  const half = (width - 1) / 2;
  return values.map((_, i) => {
    const window = values.slice(Math.max(0, i - half), Math.min(values.length, i + half + 1)).sort((a, b) => a - b);
    const mid = window.length >> 1;
    return window.length % 2 === 1 ? window[mid] : (window[mid - 1] + window[mid]) / 2;
  });
}

/**
 * The steepest descent of `smoothed` (over `lrs`, increasing) inside the valley before its minimum.
 *
 * @example
 * const lrs = Array.from({ length: 13 }, (_, i) => 10 ** (-6 + i / 2)); // 1e-6 ... 1, half a decade apart
 * suggestLr(lrs, [2.3, 2.3, 2.3, 2.3, 2.29, 2.2, 1.9, 1.4, 1.0, 0.9, 0.95, 1.5, 4]).suggestion?.lr; // 10 ** -2.5 (index 7)
 */
export function suggestLr(lrs: readonly number[], curve: readonly number[]): SuggestResult {
  let n = 0;
  while (n < curve.length && n < lrs.length && Number.isFinite(curve[n])) n++;
  if (n < 5) {
    return { suggestion: null, failure: `expected at least 5 finite points before the loss diverged, but got ${n}; lower minLr` };
  }
  const smoothed = runningMedian(curve.slice(0, n), 5);
  const skip = Math.floor(n / 10);
  const bottom = argBest(smoothed, skip, n - 1, (a, b) => a < b);
  const top = argBest(smoothed, skip, bottom, (a, b) => a > b);
  const drop = smoothed[top] - smoothed[bottom];
  if (!(drop > minRelativeDrop * Math.abs(smoothed[top]))) {
    const range = `${format(lrs[skip])} to ${format(lrs[n - 1])}`;
    return {
      suggestion: null,
      failure: `expected the smoothed loss to fall by at least 1% somewhere from lr ${range}, but it fell by ${((100 * drop) / Math.abs(smoothed[top])).toFixed(2)}%; raise maxLr or numSteps`,
    };
  }
  let start = top;
  for (let i = top; i <= bottom; i++) if (smoothed[i] >= smoothed[bottom] + 0.9 * drop) start = i;
  let end = start;
  while (end < bottom && smoothed[end] > smoothed[bottom] + 0.1 * drop) end++;
  const x = lrs.map((lr) => Math.log10(lr));
  const width = Math.max(1, Math.round(n / 50));
  const slope = (i: number): number => {
    const [a, b] = [Math.max(top, i - width), Math.min(bottom, i + width)];
    return (smoothed[b] - smoothed[a]) / (x[b] - x[a]);
  };
  // The minimum itself (a one-sided slope) is where the loss stops falling, not a rate to train at.
  const last = Math.max(start, Math.min(end, bottom - 1));
  let index = start;
  for (let i = start + 1; i <= last; i++) if (slope(i) < slope(index)) index = i;
  return { suggestion: { lr: lrs[index], index, valley: [start, end] }, failure: null };
}
