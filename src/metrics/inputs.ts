/**
 * Input checks and formatting shared by the multiclass metrics: shapes and
 * dtypes are checked from metadata (no host sync); value ranges are only
 * checked when `validateArgs` is on, because reading them back syncs with the device.
 *
 * @example
 * checkClassInputs('MulticlassAccuracy', logits, labels, { numClasses: 10, allowLabels: true });
 * const valid = validRows(labels, 10, -100); // bool [N]
 */
import { ConfigError, ShapeError } from '../errors.js';
import { any, arange, isFloatingPoint, logicalAnd, logicalOr, softmax, where } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

const integerDtypes = new Set(['int64', 'int32', 'int16', 'int8', 'uint8']);

/** Options every multiclass metric shares. */
export interface ClassInputOptions {
  /** Number of classes C. */
  numClasses: number;
  /**
   * Rows whose target equals this value are left out entirely. Targets outside
   * [0, C) are left out as well (torchmetrics would raise; checking needs a host sync).
   */
  ignoreIndex?: number | null;
  /** Reads the values back to check their range on every update (one host sync each). */
  validateArgs?: boolean;
}

/** Throws a ConfigError unless `value` is an integer >= `min`. */
export function checkInteger(component: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${component}: expected ${name} to be an integer >= ${min}, but got ${String(value)}`);
  }
  return value;
}

/** Throws a ConfigError unless `value` is one of `choices`. */
export function checkChoice<T extends string>(component: string, name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new ConfigError(
      `${component}: expected ${name} to be one of ${choices.map((c) => `'${c}'`).join(', ')}, but got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** Checks the options shared by all multiclass metrics. */
export function checkClassOptions(component: string, options: ClassInputOptions): void {
  checkInteger(component, 'numClasses', options.numClasses, 2);
  const ignore = options.ignoreIndex;
  if (ignore !== undefined && ignore !== null && !Number.isInteger(ignore)) {
    throw new ConfigError(`${component}: expected ignoreIndex to be an integer or null, but got ${String(ignore)}`);
  }
}

/**
 * Checks preds ([N, C] float scores, or [N] integer class indices when
 * `allowLabels`) and target ([N] integers) by shape and dtype.
 */
export function checkClassInputs(
  component: string,
  preds: Tensor,
  target: Tensor,
  options: { numClasses: number; allowLabels: boolean },
): void {
  const c = options.numClasses;
  const expected = options.allowLabels ? `[N, ${c}] (float) or [N] (integer)` : `[N, ${c}] (float)`;
  const scores = preds.ndim === 2 && isFloatingPoint(preds.dtype) && preds.size(1) === c;
  const labels = options.allowLabels && preds.ndim === 1 && integerDtypes.has(preds.dtype);
  if (!scores && !labels) {
    throw new ShapeError(`${component}: expected preds of shape ${expected}, but got [${preds.shape.join(', ')}] (${preds.dtype})`);
  }
  if (target.ndim !== 1 || !integerDtypes.has(target.dtype) || target.size(0) !== preds.size(0)) {
    throw new ShapeError(
      `${component}: expected target of shape [${preds.size(0)}] (integer), but got [${target.shape.join(', ')}] (${target.dtype})`,
    );
  }
}

/** Reads target (and integer preds) back and throws if a value is out of range (one host sync). */
export function checkClassValues(component: string, preds: Tensor, target: Tensor, options: ClassInputOptions): void {
  const c = options.numClasses;
  const ignore = options.ignoreIndex ?? null;
  const bad = (t: Tensor, allowIgnore: boolean): number[] => {
    const values = Array.from(t.data() as ArrayLike<number | bigint>, Number);
    return [...new Set(values.filter((v) => (v < 0 || v >= c) && !(allowIgnore && v === ignore)))].slice(0, 5);
  };
  const badTarget = bad(target, true);
  if (badTarget.length > 0) {
    throw new ShapeError(
      `${component}: expected target values in [0, ${c - 1}]${ignore === null ? '' : ` or ${ignore}`}, but got ${badTarget.join(', ')}`,
    );
  }
  if (!isFloatingPoint(preds.dtype)) {
    const badPreds = bad(preds, false);
    if (badPreds.length > 0) throw new ShapeError(`${component}: expected preds values in [0, ${c - 1}], but got ${badPreds.join(', ')}`);
  }
}

/** Bool [N]: the rows that count, those whose target is in [0, C) and not `ignoreIndex`. */
export function validRows(target: Tensor, numClasses: number, ignoreIndex: number | null | undefined): Tensor {
  const inRange = logicalAnd(target.ge(0), target.lt(numClasses));
  return ignoreIndex === undefined || ignoreIndex === null ? inRange : logicalAnd(inRange, target.ne(ignoreIndex));
}

/** int64 [C] on the device of `like`: 0, 1, ..., C - 1. */
export function classIndices(numClasses: number, like: Tensor): Tensor {
  return arange(0, numClasses, 1, { device: like.device });
}

/** Bool [N, C]: row i has true in column `labels[i]` (all false for a label outside [0, C)). */
export function oneHotMask(labels: Tensor, numClasses: number): Tensor {
  return labels.unsqueeze(1).eq(classIndices(numClasses, labels));
}

/**
 * torchmetrics' rule for scores: softmax over classes unless every value of
 * the batch's counted rows is already in [0, 1]. Decided on the device (no host sync).
 */
export function probabilitiesIfNeeded(preds: Tensor, valid: Tensor): Tensor {
  const outside = any(logicalOr(preds.lt(0), preds.gt(1)), { dim: 1 });
  const needsSoftmax = any(logicalAnd(outside, valid));
  return where(needsSoftmax, softmax(preds, 1), preds);
}
