/**
 * TensorBoard's scalar smoothing: an exponential moving average debiased
 * the way Adam debiases its moments, so the first points are not pulled
 * towards zero. Non-finite values pass through unsmoothed, as in TensorBoard.
 *
 * @example
 * smooth([1, 2, 3], 0.6); // [1, 1.625, 2.3265...]
 */
export function smooth(values, weight) {
  if (!(weight > 0)) return values.slice();
  const out = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || !Number.isFinite(value)) {
      out[i] = value;
      continue;
    }
    last = last * weight + (1 - weight) * value;
    count++;
    out[i] = last / (1 - Math.pow(weight, count));
  }
  return out;
}
