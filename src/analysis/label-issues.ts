/**
 * Likely label errors by confident learning (Northcutt, Jiang & Chuang,
 * "Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 2021),
 * computed the way cleanlab's `find_label_issues(filter_by='prune_by_noise_rate')`
 * does: per-class confidence thresholds, the confident joint of given and
 * guessed labels, calibrated to the label counts, then in each given class the
 * samples whose margin towards another class is largest are flagged, as many
 * as the joint estimates went astray. Flagged samples are ranked by a label
 * quality score, lowest (most likely wrong) first.
 *
 * The probabilities must be out-of-sample (a held-out split, or k-fold
 * cross-validation: cross-val.ts); on the samples a model trained on, it is
 * confident about every label, the noisy ones included.
 *
 * @example
 * const { issues } = findLabelIssues({ probs, labels, numClasses: 10 });
 * issues[0]; // { index: 417, givenLabel: 3, suggestedLabel: 5, score: 0.02, confident: true }
 */
import { DataError } from '../errors.js';

/** How flagged samples are ordered: cleanlab's label quality scores of the same names. */
export type LabelIssueRanking = 'self_confidence' | 'normalized_margin';

/** Options for `findLabelIssues`. */
export interface FindLabelIssuesOptions {
  /** Predicted probabilities, N x numClasses, row-major (softmax of out-of-sample logits). */
  probs: ArrayLike<number>;
  /** The given class index of each of the N samples. */
  labels: ArrayLike<number>;
  numClasses: number;
  /** Default 'self_confidence' (the probability of the given label). */
  rankBy?: LabelIssueRanking;
  /**
   * Also list, after the confident issues, the other samples the model assigns to another class
   * (`confident: false`): a review list that confident learning's conservative count would cut short.
   */
  withDisagreements?: boolean;
}

/** One sample whose given label is probably wrong. */
export interface LabelIssue {
  /** Row in the probabilities. */
  index: number;
  givenLabel: number;
  /** The class the model predicts. */
  suggestedLabel: number;
  /** Label quality in [0, 1]: low is more likely a wrong label. */
  score: number;
  /** Flagged by confident learning; false for a mere disagreement (`withDisagreements`). */
  confident: boolean;
}

/** What `findLabelIssues` found, with the intermediate estimates the report can show. */
export interface LabelIssuesResult {
  /** Flagged samples, most likely wrong first (then the disagreements, when asked for). */
  issues: LabelIssue[];
  /** Per-class confidence thresholds t_j. */
  thresholds: Float64Array;
  /** The calibrated confident joint, [given][true] counts summing to N. */
  confidentJoint: number[][];
}

const fuzz = 1e-6;

/**
 * Ranks the samples whose given label confident learning finds probably wrong.
 * A class with one sample or none never has its samples flagged; data a model
 * gets all right gives no issues.
 *
 * @example
 * findLabelIssues({ probs: Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.95, 0.05), labels: [0, 1, 1], numClasses: 2 }).issues;
 * // [{ index: 2, givenLabel: 1, suggestedLabel: 0, score: 0.05, confident: true }]
 */
export function findLabelIssues(options: FindLabelIssuesOptions): LabelIssuesResult {
  const { probs, labels, numClasses: k } = options;
  checkInputs(probs, labels, k);
  const n = labels.length;
  const rows = Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, j) => probs[i * k + j]));
  const thresholds = confidentThresholds(rows, labels, k);
  const confidentJoint = calibrateJoint(rawConfidentJoint(rows, labels, thresholds), labels);
  const flagged = flagByNoiseRate(rows, labels, pruneCounts(confidentJoint));
  const quality = options.rankBy === 'normalized_margin' ? normalizedMargin : selfConfidence;
  const issue = (index: number, confident: boolean): LabelIssue => {
    const p = rows[index];
    return { index, givenLabel: labels[index], suggestedLabel: argmax(p), score: quality(p, labels[index]), confident };
  };
  const byScore = (a: LabelIssue, b: LabelIssue): number => a.score - b.score || a.index - b.index;
  const issues = flagged.map((i) => issue(i, true)).sort(byScore);
  if (options.withDisagreements === true) {
    const isFlagged = new Set(flagged);
    const others = rows.map((_, i) => i).filter((i) => !isFlagged.has(i) && argmax(rows[i], labels[i]) !== labels[i]);
    issues.push(...others.map((i) => issue(i, false)).sort(byScore));
  }
  return { issues, thresholds, confidentJoint };
}

function checkInputs(probs: ArrayLike<number>, labels: ArrayLike<number>, k: number): void {
  if (!Number.isInteger(k) || k < 2) throw new DataError(`findLabelIssues: expected numClasses an integer >= 2, but got ${k}`);
  if (probs.length !== labels.length * k)
    throw new DataError(`findLabelIssues: expected ${labels.length} x ${k} probabilities, but got ${probs.length} values`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k)
      throw new DataError(`findLabelIssues: expected labels in [0, ${k - 1}], but got ${y} at sample ${i}`);
  }
}

/** t_j: the mean p_j over samples labelled j; 2 (never reached) for a class with none. */
function confidentThresholds(rows: ArrayLike<number>[], labels: ArrayLike<number>, k: number): Float64Array {
  const sum = new Float64Array(k);
  const count = new Float64Array(k);
  rows.forEach((p, i) => {
    sum[labels[i]] += p[labels[i]];
    count[labels[i]] += 1;
  });
  return sum.map((s, j) => Math.max(count[j] === 0 ? 2 : s / count[j], 2 * fuzz));
}

/** C[given][guess] over the samples with at least one probability at its class's threshold; diagonal at least 1. */
function rawConfidentJoint(rows: ArrayLike<number>[], labels: ArrayLike<number>, thresholds: Float64Array): number[][] {
  const k = thresholds.length;
  const joint = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  rows.forEach((p, i) => {
    let passing = 0;
    let first = -1;
    for (let j = 0; j < k; j++) {
      if (p[j] >= thresholds[j] - fuzz) {
        passing++;
        if (first < 0) first = j;
      }
    }
    if (passing > 0) joint[labels[i]][passing > 1 ? argmax(p) : first]++;
  });
  joint.forEach((r, j) => (r[j] = Math.max(r[j], 1)));
  return joint;
}

/** Rows scaled to the label counts, the whole to N, rounded keeping each row's total. */
function calibrateJoint(joint: number[][], labels: ArrayLike<number>): number[][] {
  const k = joint.length;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const scaled = joint.map((r, j) => {
    const total = Math.max(sum(r), 1e-100);
    return r.map((v) => (v / total) * counts[j]);
  });
  const whole = Math.max(sum(scaled.map(sum)), 1e-100);
  return scaled.map((r) => roundPreservingSum(r.map((v) => (v / whole) * labels.length)));
}

/**
 * Rounds to integers keeping the rounded total: the entries rounded furthest the wrong way move first
 * (ties as numpy's stable sort and its reversal order them, so small cases match cleanlab exactly).
 */
function roundPreservingSum(values: number[]): number[] {
  const ints = values.map((v) => roundHalfEven(v));
  const target = roundHalfEven(sum(values));
  for (let diff = target - sum(ints); Math.abs(diff) > fuzz; diff = target - sum(ints)) {
    const step = diff < 0 ? -1 : 1;
    const order = values.map((_, i) => i).sort((a, b) => values[a] - ints[a] - (values[b] - ints[b]) || a - b);
    if (step > 0) order.reverse();
    for (const i of order.slice(0, Math.min(Math.abs(Math.round(diff)), values.length))) ints[i] += step;
  }
  return ints;
}

/**
 * How many samples to flag per (true j, given k): the transposed joint with each given class's diagonal
 * at least 1 (taken evenly from the column's non-zero noise counts), truncated to integers.
 */
function pruneCounts(joint: number[][]): number[][] {
  const k = joint.length;
  const counts = joint.map((_, j) => joint.map((r) => r[j])); // counts[true][given]
  for (let given = 0; given < k; given++) {
    const diag = counts[given][given];
    const raise = Math.max(diag, 1) - diag;
    const nonZero = counts.filter((r) => r[given] !== 0).length;
    const share = raise / Math.max(nonZero - 1, 1);
    for (let j = 0; j < k; j++) counts[j][given] = j === given ? Math.max(diag, 1) : Math.max(counts[j][given] - share, 0);
  }
  return counts.map((r) => r.map((v) => Math.trunc(v)));
}

/** In each given class, the samples with the largest p_j - p_given for each j it lost samples to. */
function flagByNoiseRate(rows: ArrayLike<number>[], labels: ArrayLike<number>, prune: number[][]): number[] {
  const k = prune.length;
  const flagged = new Uint8Array(rows.length);
  for (let given = 0; given < k; given++) {
    const members = rows.map((_, i) => i).filter((i) => labels[i] === given);
    if (members.length <= 1) continue;
    for (let j = 0; j < k; j++) {
      if (j === given || prune[j][given] <= 0) continue;
      const margin = (i: number): number => rows[i][j] - rows[i][given];
      const order = [...members].sort((a, b) => margin(b) - margin(a) || a - b);
      for (const i of order.slice(0, prune[j][given])) flagged[i] = 1;
    }
  }
  // A sample the model still calls by its given label is not an issue.
  return [...flagged.keys()].filter((i) => flagged[i] === 1 && argmax(rows[i], labels[i]) !== labels[i]);
}

/** The index of the largest value, the first on ties; `favoured` wins ties within 1e-6. */
function argmax(p: ArrayLike<number>, favoured = -1): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let j = 0; j < p.length; j++) {
    const v = p[j] + (j === favoured ? fuzz : 0);
    if (v > bestValue) [best, bestValue] = [j, v];
  }
  return best;
}

function selfConfidence(p: ArrayLike<number>, given: number): number {
  return p[given];
}

function normalizedMargin(p: ArrayLike<number>, given: number): number {
  let other = -Infinity;
  for (let j = 0; j < p.length; j++) if (j !== given) other = Math.max(other, p[j]);
  return (p[given] - other + 1) / 2;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** numpy's round: halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
