/**
 * The neural-network functions of `torch.nn.functional`: convolution,
 * normalisation, pooling, activations, dropout, padding and resizing.
 *
 * @example
 * conv2d(x, w, b, { stride: 2, padding: 1 });
 * maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
 */
import type { Tensor } from '../tensor.js';
import { runT } from './dispatch.js';

type Pair = number | readonly [number, number];
const pair = (v: Pair): number[] => (typeof v === 'number' ? [v, v] : [...v]);

export const matmul = (a: Tensor, b: Tensor): Tensor => runT('aten::matmul', '', [a, b]);
export const mm = (a: Tensor, b: Tensor): Tensor => runT('aten::mm', '', [a, b]);
export const bmm = (a: Tensor, b: Tensor): Tensor => runT('aten::bmm', '', [a, b]);
/** y = x Wᵀ + b */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => runT('aten::linear', '', [x, weight, bias ?? null]);

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  if (typeof padding === 'string') {
    return runT('aten::conv2d', 'padding', [x, weight, bias ?? null, pair(stride), padding, pair(dilation), groups]);
  }
  return runT('aten::conv2d', '', [x, weight, bias ?? null, pair(stride), pair(padding), pair(dilation), groups]);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics and update the running ones (training mode). */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** Batch normalisation; in training mode the running statistics are updated in place. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  return runT('aten::batch_norm', '', [x, weight, bias, runningMean, runningVar, training, momentum, eps, true]);
}

export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {},
): Tensor {
  return runT('aten::layer_norm', '', [x, normalizedShape, options.weight ?? null, options.bias ?? null, options.eps ?? 1e-5, true]);
}

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

export function maxPool2d(x: Tensor, options: Pool2dOptions & { dilation?: Pair }): Tensor {
  const { kernelSize, stride = kernelSize, padding = 0, dilation = 1, ceilMode = false } = options;
  return runT('aten::max_pool2d', '', [x, pair(kernelSize), pair(stride), pair(padding), pair(dilation), ceilMode]);
}

export function avgPool2d(x: Tensor, options: Pool2dOptions & { countIncludePad?: boolean; divisorOverride?: number }): Tensor {
  const { kernelSize, stride = kernelSize, padding = 0, ceilMode = false, countIncludePad = true } = options;
  return runT('aten::avg_pool2d', '', [
    x,
    pair(kernelSize),
    pair(stride),
    pair(padding),
    ceilMode,
    countIncludePad,
    options.divisorOverride ?? null,
  ]);
}

export const adaptiveAvgPool2d = (x: Tensor, outputSize: Pair): Tensor => runT('aten::adaptive_avg_pool2d', '', [x, pair(outputSize)]);

export const relu = (x: Tensor): Tensor => runT('aten::relu', '', [x]);
/** GELU; `approximate: 'tanh'` uses the tanh approximation. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => runT('aten::gelu', '', [x, approximate]);
export const sigmoid = (x: Tensor): Tensor => runT('aten::sigmoid', '', [x]);
export const silu = (x: Tensor): Tensor => runT('aten::silu', '', [x]);
export const tanh = (x: Tensor): Tensor => runT('aten::tanh', '', [x]);
export const softmax = (x: Tensor, dim: number): Tensor => runT('aten::softmax', 'int', [x, dim, null]);
export const logSoftmax = (x: Tensor, dim: number): Tensor => runT('aten::log_softmax', 'int', [x, dim, null]);

/** Zeroes elements with probability p and scales the rest by 1/(1-p) when training. */
export const dropout = (x: Tensor, p = 0.5, training = true): Tensor => runT('aten::dropout', '', [x, p, training]);

/** Pads the last dimensions: `pad` lists (left, right) pairs starting from the last dimension. */
export function pad(
  x: Tensor,
  padding: readonly number[],
  options: { mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number } = {},
): Tensor {
  const mode = options.mode ?? 'constant';
  // `value` is a `float?` in the schema: a plain number, not a `{ float }` scalar.
  return runT('aten::pad', '', [x, padding, mode, mode === 'constant' ? (options.value ?? 0) : null]);
}

export interface InterpolateOptions {
  size?: Pair;
  scaleFactor?: Pair;
  mode?: 'nearest' | 'bilinear';
  alignCorners?: boolean;
  antialias?: boolean;
}

/** Resizes NCHW images to `size` or by `scaleFactor`. */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const { size, scaleFactor, mode = 'nearest', alignCorners = false, antialias = false } = options;
  if ((size === undefined) === (scaleFactor === undefined)) {
    throw new TypeError('interpolate: expected exactly one of size or scaleFactor');
  }
  const outSize = size === undefined ? null : pair(size);
  const scales = scaleFactor === undefined ? null : pair(scaleFactor);
  if (mode === 'nearest') return runT('aten::upsample_nearest2d', 'vec', [x, outSize, scales]);
  if (antialias) return runT('aten::_upsample_bilinear2d_aa', 'vec', [x, outSize, alignCorners, scales]);
  return runT('aten::upsample_bilinear2d', 'vec', [x, outSize, alignCorners, scales]);
}
