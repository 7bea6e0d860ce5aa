/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013): keeps the
 * first and last points and, from each of `threshold - 2` equal buckets in
 * between, the point that makes the largest triangle with the point kept
 * before it and the mean of the next bucket. A curve of 20,000 steps drawn
 * from 2,000 points keeps its spikes, which a stride would drop.
 *
 * @example
 * lttbIndices([0, 1, 2, 3, 4], [0, 5, 0, 0, 0], 3); // [0, 1, 4]
 */

/**
 * The indices LTTB keeps, ascending; every index when `threshold >= n` or
 * `threshold < 3` cannot hold first, last and one more.
 *
 * @example
 * lttbIndices(xs, ys, 2000);
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): number[] {
  const n = Math.min(xs.length, ys.length);
  if (threshold >= n || threshold < 3) return Array.from({ length: n }, (_, i) => i);
  const kept = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let b = 0; b < threshold - 2; b++) {
    // The mean of the next bucket (the last point for the last bucket).
    const nextStart = Math.floor((b + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
    let meanX = 0;
    let meanY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      meanX += xs[i];
      meanY += ys[i];
    }
    const count = nextEnd - nextStart;
    meanX = count > 0 ? meanX / count : xs[n - 1];
    meanY = count > 0 ? meanY / count : ys[n - 1];
    const start = Math.floor(b * every) + 1;
    const end = Math.floor((b + 1) * every) + 1;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs((xs[a] - meanX) * (ys[i] - ys[a]) - (xs[a] - xs[i]) * (meanY - ys[a]));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(best);
    a = best;
  }
  kept.push(n - 1);
  return kept;
}

/**
 * `[x, y]` pairs downsampled to at most `threshold` points by LTTB.
 *
 * @example
 * lttb([[0, 0], [1, 5], [2, 0], [3, 0]], 3); // [[0, 0], [1, 5], [3, 0]]
 */
export function lttb(points: readonly (readonly [number, number])[], threshold: number): [number, number][] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return lttbIndices(xs, ys, threshold).map((i) => [xs[i], ys[i]]);
}
