/**
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural
 * Networks"): one T > 0 that divides every logit, fitted to minimise the
 * negative log-likelihood of softmax(logits / T) on held-out data (the
 * validation split). It never changes a prediction (argmax is scale-free),
 * only how confident each one claims to be.
 *
 * The fit works on beta = 1 / T, in which the NLL is convex (a log-sum-exp of
 * a linear function minus a linear function): Newton's method in float64,
 * kept inside a shrinking bracket by bisection, converges to the exact
 * minimum in a handful of passes over the logits. T is held within
 * [`MIN_TEMPERATURE`, `MAX_TEMPERATURE`]: data a model separates perfectly
 * has no finite optimum (the NLL keeps falling as T goes to 0), so there the
 * fit stops where the NLL is flat to float64 precision, or at the bound.
 *
 * ECE before and after comes from the project's metric
 * (`MulticlassCalibrationError`, torchmetrics' binning), and the per-bin
 * accuracy and confidence for the reliability diagram use the same bins.
 *
 * @example
 * const result = calibrate(logits, labels); // logits [N, C] float, labels [N] int64
 * result.temperature; // 1.83
 * result.ece; // { before: 0.071, after: 0.012 }
 */
import { DataError, ShapeError } from '../errors.js';
import { MulticlassCalibrationError } from '../metrics/calibration-error.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** The smallest temperature a fit returns. */
export const MIN_TEMPERATURE = 0.01;
/** The largest temperature a fit returns. */
export const MAX_TEMPERATURE = 100;

/** What `fitTemperature` found. */
export interface TemperatureFit {
  temperature: number;
  /** Mean NLL at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
}

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** The bin's confidence range [lower, upper) (the last bin holds confidence 1 too). */
  lower: number;
  upper: number;
  count: number;
  /** Mean accuracy and mean confidence of its rows (0 when empty). */
  accuracy: number;
  confidence: number;
}

/** What `calibrate` returns: the fit, ECE and NLL before and after, the reliability bins. */
export interface CalibrationResult {
  temperature: number;
  samples: number;
  nBins: number;
  nll: { before: number; after: number };
  ece: { before: number; after: number };
  bins: { before: ReliabilityBin[]; after: ReliabilityBin[] };
}

/** Flat logits [N * C] and labels [N] checked against each other. */
interface Rows {
  logits: ArrayLike<number>;
  labels: ArrayLike<number>;
  numClasses: number;
}

function checkRows({ logits, labels, numClasses }: Rows): number {
  const n = labels.length;
  if (n === 0) throw new DataError('calibration: expected at least one labelled sample, but got none');
  if (!Number.isInteger(numClasses) || numClasses < 2 || logits.length !== n * numClasses)
    throw new ShapeError(
      `calibration: expected ${n} x ${numClasses} logits (one row per label, 2 classes or more), but got ${logits.length}`,
    );
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses)
      throw new DataError(`calibration: expected class indices in [0, ${numClasses}), but got ${y} at row ${i}`);
  }
  return n;
}

/**
 * Mean NLL of softmax(beta * logits) and its first two derivatives in beta:
 * f' = mean(E_p[z] - z_y), f'' = mean(Var_p[z]) >= 0.
 */
function nllAndDerivatives(rows: Rows, beta: number): { nll: number; grad: number; curvature: number } {
  const { logits, labels, numClasses: c } = rows;
  const n = labels.length;
  let nll = 0;
  let grad = 0;
  let curvature = 0;
  for (let i = 0; i < n; i++) {
    const base = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, beta * logits[base + j]);
    let sum = 0;
    let mean = 0;
    let square = 0;
    for (let j = 0; j < c; j++) {
      const z = logits[base + j];
      const e = Math.exp(beta * z - max);
      sum += e;
      mean += e * z;
      square += e * z * z;
    }
    mean /= sum;
    const zy = logits[base + labels[i]];
    nll += max + Math.log(sum) - beta * zy;
    grad += mean - zy;
    curvature += Math.max(0, square / sum - mean * mean);
  }
  return { nll: nll / n, grad: grad / n, curvature: curvature / n };
}

/**
 * Mean NLL of softmax(logits / temperature) against `labels` (float64).
 *
 * @example
 * scaledNll({ logits: new Float32Array([2, 0, 0, 2]), labels: [0, 1], numClasses: 2 }, 1); // 0.1269
 */
export function scaledNll(rows: Rows, temperature: number): number {
  checkRows(rows);
  return nllAndDerivatives(rows, 1 / temperature).nll;
}

/**
 * The temperature minimising the mean NLL of softmax(logits / T), within
 * [`MIN_TEMPERATURE`, `MAX_TEMPERATURE`].
 *
 * @example
 * fitTemperature({ logits: flatLogits, labels, numClasses: 10 }).temperature; // 2.31
 */
export function fitTemperature(rows: Rows): TemperatureFit {
  checkRows(rows);
  let lo = 1 / MAX_TEMPERATURE;
  let hi = 1 / MIN_TEMPERATURE;
  let beta = 1;
  const nllBefore = nllAndDerivatives(rows, 1).nll;
  for (let iteration = 0; iteration < 200; iteration++) {
    const { grad, curvature } = nllAndDerivatives(rows, beta);
    // f' is increasing in beta (f is convex): its sign tells which side the minimum is on.
    if (grad > 0) hi = beta;
    else lo = beta;
    const newton = curvature > 0 ? beta - grad / curvature : Number.NaN;
    const next = newton > lo && newton < hi ? newton : Math.sqrt(lo * hi);
    const done = Math.abs(next - beta) <= 1e-13 * beta || grad === 0 || hi / lo < 1 + 1e-14;
    beta = next;
    if (done) break;
  }
  beta = Math.min(Math.max(beta, 1 / MAX_TEMPERATURE), 1 / MIN_TEMPERATURE);
  return { temperature: 1 / beta, nllBefore, nllAfter: nllAndDerivatives(rows, beta).nll };
}

/** Per-bin counts, accuracy and confidence, binned as `MulticlassCalibrationError` bins (float32 boundaries, [b_i, b_i+1)). */
export function reliabilityBins(probs: Tensor, labels: Tensor, nBins: number): ReliabilityBin[] {
  const { conf, correct } = torch.tidy(() => {
    const { values, indices } = probs.max(1);
    return { conf: values.float().data() as Float32Array, correct: indices.eq(labels).data() as Uint8Array };
  });
  const edges = Array.from({ length: nBins + 1 }, (_, i) => Math.fround(i / nBins));
  const bins = Array.from({ length: nBins }, (_, i) => ({ lower: edges[i], upper: edges[i + 1], count: 0, accuracy: 0, confidence: 0 }));
  conf.forEach((p, i) => {
    let k = 0;
    while (k + 1 < nBins && p >= edges[k + 1]) k++;
    const bin = bins[k];
    bin.count++;
    bin.accuracy += correct[i];
    bin.confidence += p;
  });
  for (const bin of bins) {
    if (bin.count === 0) continue;
    bin.accuracy /= bin.count;
    bin.confidence /= bin.count;
  }
  return bins;
}

function expectedCalibrationError(probs: Tensor, labels: Tensor, numClasses: number, nBins: number): number {
  const metric = new MulticlassCalibrationError({ numClasses, nBins });
  try {
    metric.update(probs, labels);
    return torch.tidy(() => metric.compute().item());
  } finally {
    metric.dispose();
  }
}

/**
 * Fits the temperature on `logits` [N, C] against `labels` [N] (int64), or
 * takes `temperature` as given (one fitted on another split), and measures
 * NLL, ECE (`nBins` equal-width bins, default 15, as the metric's) and the
 * reliability bins before and after scaling.
 *
 * @example
 * const { temperature, ece, nll } = calibrate(valLogits, valLabels);
 * calibrate(testLogits, testLabels, { temperature }).ece.after; // the val temperature on the test split
 */
export function calibrate(logits: Tensor, labels: Tensor, options: { nBins?: number; temperature?: number } = {}): CalibrationResult {
  const nBins = options.nBins ?? 15;
  if (logits.ndim !== 2 || labels.ndim !== 1 || labels.shape[0] !== logits.shape[0])
    throw new ShapeError(
      `calibration: expected logits [N, C] and labels [N], but got [${logits.shape.join(', ')}] and [${labels.shape.join(', ')}]`,
    );
  const given = options.temperature;
  if (given !== undefined && !(Number.isFinite(given) && given > 0))
    throw new DataError(`calibration: expected a finite temperature > 0, but got ${given}`);
  const numClasses = logits.shape[1];
  const rows = {
    logits: torch.tidy(() => logits.detach().double().contiguous().data() as Float64Array),
    labels: torch.tidy(() => Array.from(labels.to({ dtype: 'int64' }).data() as BigInt64Array, Number)),
    numClasses,
  };
  const fit =
    given === undefined ? fitTemperature(rows) : { temperature: given, nllBefore: scaledNll(rows, 1), nllAfter: scaledNll(rows, given) };
  return torch.tidy(() => {
    const before = logits.detach().float().softmax(1);
    const after = logits.detach().float().div(fit.temperature).softmax(1);
    return {
      temperature: fit.temperature,
      samples: labels.shape[0],
      nBins,
      nll: { before: fit.nllBefore, after: fit.nllAfter },
      ece: {
        before: expectedCalibrationError(before, labels, numClasses, nBins),
        after: expectedCalibrationError(after, labels, numClasses, nBins),
      },
      bins: { before: reliabilityBins(before, labels, nBins), after: reliabilityBins(after, labels, nBins) },
    };
  });
}
