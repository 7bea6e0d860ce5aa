/**
 * The neural-network functions of `torch.nn.functional`: convolution,
 * normalisation, pooling, activations, dropout, padding and resizing.
 *
 * @example
 * conv2d(x, w, b, { stride: 2, padding: 1 });
 * maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
 */
import type { Tensor } from '../tensor.js';
import { singleOutputConv2d } from './conv2d-single-output.js';
import { runT } from './dispatch.js';

type Pair = number | readonly [number, number];
const pair = (v: Pair): number[] => (typeof v === 'number' ? [v, v] : [...v]);

/**
 * Matrix product with broadcasting (torch.matmul): 1-D operands act as vectors, leading batch dimensions broadcast.
 *
 * @example
 * matmul(x, w.t()); // [N, in] @ [in, out]
 */
export const matmul = (a: Tensor, b: Tensor): Tensor => runT('aten::matmul', '', [a, b]);
/** 2-D matrix product `[n, m] @ [m, p]` to `[n, p]` (torch.mm), without broadcasting. @example mm(a, b); */
export const mm = (a: Tensor, b: Tensor): Tensor => runT('aten::mm', '', [a, b]);
/**
 * Batched matrix product `[B, n, m] @ [B, m, p]` to `[B, n, p]` (torch.bmm), without broadcasting.
 *
 * @example
 * bmm(q, k.transpose(1, 2));
 */
export const bmm = (a: Tensor, b: Tensor): Tensor => runT('aten::bmm', '', [a, b]);
/** y = x Wᵀ + b */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor => runT('aten::linear', '', [x, weight, bias ?? null]);

/**
 * Options of `conv2d`, as torch.nn.functional.conv2d's arguments; a number applies to both height and width.
 *
 * @example
 * conv2d(x, w, null, { stride: 2, padding: 1 });
 */
export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

/**
 * 2-D convolution (torch.nn.functional.conv2d) of NCHW `x` with `weight` [C_out, C_in / groups, kH, kW] and optional `bias` [C_out].
 * A convolution with a one-pixel output runs as the equal matrix product (conv2d-single-output.ts).
 *
 * @example
 * conv2d(x, w, b, { stride: 2, padding: 1 });
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  if (typeof padding === 'string') {
    return runT('aten::conv2d', 'padding', [x, weight, bias ?? null, pair(stride), padding, pair(dilation), groups]);
  }
  const geometry = { stride: pair(stride), padding: pair(padding), dilation: pair(dilation), groups };
  return (
    singleOutputConv2d(x, weight, bias ?? null, geometry) ??
    runT('aten::conv2d', '', [x, weight, bias ?? null, geometry.stride, geometry.padding, geometry.dilation, groups])
  );
}

/**
 * Options of `batchNorm`: the affine `weight` and `bias` [C], training mode, the running-average `momentum` and `eps`.
 *
 * @example
 * batchNorm(x, runningMean, runningVar, { training: true });
 */
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

/**
 * Layer normalisation over the trailing `normalizedShape` dimensions
 * (torch.nn.functional.layer_norm), with optional affine `weight`/`bias` of that shape.
 *
 * @example
 * layerNorm(x, [768]);
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  options: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {},
): Tensor {
  const weight = options.weight ?? null;
  // libtorch 1.13's CPU autocast leaves layer_norm out, so a bf16 input meets an fp32 weight and
  // fails; like later PyTorch releases, normalise in the weight's (wider) dtype instead.
  if (weight !== null && weight.dtype !== x.dtype && weight.dtype === 'float32') {
    const wide = x.to({ dtype: 'float32' });
    const out = runT('aten::layer_norm', '', [wide, normalizedShape, weight, options.bias ?? null, options.eps ?? 1e-5, true]);
    wide.dispose();
    return out;
  }
  return runT('aten::layer_norm', '', [x, normalizedShape, weight, options.bias ?? null, options.eps ?? 1e-5, true]);
}

/** Window options of `maxPool2d` and `avgPool2d`; a number applies to both height and width. @example maxPool2d(x, { kernelSize: 2 }); */
export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

/**
 * 2-D max pooling of NCHW input (torch.nn.functional.max_pool2d); padding counts as -Infinity.
 *
 * @example
 * maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 });
 */
export function maxPool2d(x: Tensor, options: Pool2dOptions & { dilation?: Pair }): Tensor {
  const { kernelSize, stride = kernelSize, padding = 0, dilation = 1, ceilMode = false } = options;
  return runT('aten::max_pool2d', '', [x, pair(kernelSize), pair(stride), pair(padding), pair(dilation), ceilMode]);
}

/**
 * 2-D average pooling of NCHW input (torch.nn.functional.avg_pool2d);
 * `countIncludePad` (default true) counts the zero padding in the divisor.
 *
 * @example
 * avgPool2d(x, { kernelSize: 2 });
 */
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

/**
 * Averages NCHW input down to `outputSize` whatever its height and width
 * (torch.nn.functional.adaptive_avg_pool2d); 1 is global average pooling.
 *
 * @example
 * adaptiveAvgPool2d(x, 1).flatten(1); // [N, C]
 */
export const adaptiveAvgPool2d = (x: Tensor, outputSize: Pair): Tensor => runT('aten::adaptive_avg_pool2d', '', [x, pair(outputSize)]);

/** `max(x, 0)` elementwise (torch.relu), as a new tensor; `relu_` works in place. @example relu(x); */
export const relu = (x: Tensor): Tensor => runT('aten::relu', '', [x]);
/** GELU; `approximate: 'tanh'` uses the tanh approximation. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => runT('aten::gelu', '', [x, approximate]);
/** `1 / (1 + exp(-x))` elementwise (torch.sigmoid). @example sigmoid(logits); // probabilities of a binary classifier */
export const sigmoid = (x: Tensor): Tensor => runT('aten::sigmoid', '', [x]);
/** `x * sigmoid(x)` elementwise (torch.nn.functional.silu, also called swish). @example silu(x); */
export const silu = (x: Tensor): Tensor => runT('aten::silu', '', [x]);
/** `x * relu6(x + 3) / 6` elementwise (torch.nn.functional.hardswish, MobileNetV3's activation). @example hardswish(x); */
export const hardswish = (x: Tensor): Tensor => runT('aten::hardswish', '', [x]);
/** `relu6(x + 3) / 6` elementwise (torch.nn.functional.hardsigmoid, MobileNetV3's gate). @example hardsigmoid(x); */
export const hardsigmoid = (x: Tensor): Tensor => runT('aten::hardsigmoid', '', [x]);
/** Hyperbolic tangent elementwise (torch.tanh), in (-1, 1). @example tanh(x); */
export const tanh = (x: Tensor): Tensor => runT('aten::tanh', '', [x]);
/**
 * Softmax along `dim` (torch.softmax): exponentials normalised to sum to 1, computed without overflow.
 *
 * @example
 * softmax(logits, 1); // class probabilities [N, C]
 */
export const softmax = (x: Tensor, dim: number): Tensor => runT('aten::softmax', 'int', [x, dim, null]);
/**
 * `log(softmax(x))` along `dim`, computed stably (torch.log_softmax); what `nllLoss` expects.
 *
 * @example
 * nllLoss(logSoftmax(logits, 1), labels);
 */
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

/**
 * Options of `interpolate`: exactly one of `size` (output height and width)
 * or `scaleFactor`; `alignCorners` and `antialias` apply to bilinear only.
 *
 * @example
 * interpolate(x, { size: [224, 224], mode: 'bilinear' });
 */
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
