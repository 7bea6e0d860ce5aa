/**
 * Weight initialisation, as `torch.nn.init` in PyTorch 1.13: the same fan
 * and gain formulas, and the same libtorch draws (`uniform_` / `normal_` on
 * the global generator), so that one seed gives PyTorch's numbers exactly.
 * Every function fills its tensor in place under `noGrad` and returns it.
 *
 * @example
 * manualSeed(0);
 * kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 */
import { noGrad } from '../autograd.js';
import { inPlace } from '../ops/math.js';
import type { Tensor } from '../tensor.js';

/** Nonlinearities `calculateGain` knows, with PyTorch's names. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

const linearLike = new Set(['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid']);

/**
 * The recommended gain for a nonlinearity (`param` is leaky_relu's negative slope, 0.01 by default).
 *
 * @example
 * calculateGain('leaky_relu', Math.sqrt(5)); // sqrt(2 / 6)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (linearLike.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
    case 'selu':
      return 3.0 / 4;
    default:
      throw new TypeError(
        `calculateGain: expected one of ${[...linearLike, 'tanh', 'relu', 'leaky_relu', 'selu'].join(', ')}, but got '${String(nonlinearity)}'`,
      );
  }
}

/**
 * fan_in and fan_out of a weight from its shape: [out, in, ...receptive field].
 *
 * @example
 * calculateFanInAndFanOut(convWeight); // { fanIn: in * kH * kW, fanOut: out * kH * kW }
 */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  const shape = tensor.shape;
  if (shape.length < 2) {
    throw new TypeError(
      `init: expected a tensor with at least 2 dimensions to compute fan in and fan out, but got shape [${shape.join(', ')}]`,
    );
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Which fan Kaiming initialisation preserves: the forward pass's or the backward pass's variance. */
export type FanMode = 'fanIn' | 'fanOut';

function correctFan(tensor: Tensor, mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new TypeError(`init: expected mode fanIn or fanOut, but got '${String(mode)}'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  return mode === 'fanIn' ? fanIn : fanOut;
}

/** Options of the Kaiming initialisers (PyTorch defaults: a 0, fanIn, leaky_relu). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

const isEmpty = (tensor: Tensor): boolean => tensor.shape.includes(0);

/**
 * Fills with U(a, b).
 *
 * @example
 * uniform_(bias, -0.1, 0.1);
 */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => tensor.uniform_(a, b));
}

/**
 * Fills with N(mean, std²).
 *
 * @example
 * normal_(fc.weight, 0, 0.01);
 */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => tensor.normal_(mean, std));
}

/**
 * Fills with a constant.
 *
 * @example
 * constant_(bn.weight, 1);
 */
export function constant_(tensor: Tensor, value: number): Tensor {
  return noGrad(() => tensor.fill_(value));
}

/** Fills with ones. @example ones_(bn.weight); */
export const ones_ = (tensor: Tensor): Tensor => constant_(tensor, 1);

/** Fills with zeros. @example zeros_(bn.bias); */
export const zeros_ = (tensor: Tensor): Tensor => noGrad(() => tensor.zero_());

/**
 * He et al. (2015) uniform: U(-bound, bound) with bound = gain·sqrt(3 / fan).
 *
 * @example
 * kaimingUniform_(conv.weight, { a: Math.sqrt(5) }); // nn.Conv2d's default
 */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (isEmpty(tensor)) return tensor;
  const { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' } = options;
  const fan = correctFan(tensor, mode);
  const gain = calculateGain(nonlinearity, a);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

/**
 * He et al. (2015) normal: N(0, std²) with std = gain / sqrt(fan).
 *
 * @example
 * kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' }); // torchvision's ResNet
 */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  if (isEmpty(tensor)) return tensor;
  const { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' } = options;
  const fan = correctFan(tensor, mode);
  const gain = calculateGain(nonlinearity, a);
  const std = gain / Math.sqrt(fan);
  return normal_(tensor, 0, std);
}

/**
 * Glorot & Bengio (2010) uniform: U(-a, a) with a = gain·sqrt(6 / (fanIn + fanOut)).
 *
 * @example
 * xavierUniform_(linear.weight);
 */
export function xavierUniform_(tensor: Tensor, options: { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = (options.gain ?? 1) * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

/**
 * Glorot & Bengio (2010) normal: N(0, std²) with std = gain·sqrt(2 / (fanIn + fanOut)).
 *
 * @example
 * xavierNormal_(linear.weight, { gain: calculateGain('tanh') });
 */
export function xavierNormal_(tensor: Tensor, options: { gain?: number } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  const std = (options.gain ?? 1) * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(tensor, 0, std);
}

/** erf(x) to ~1e-13: the Maclaurin series near 0, the continued fraction of erfc beyond 3. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
  let tail = ax;
  for (let k = 60; k >= 1; k--) tail = ax + k / 2 / tail;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / tail;
  return Math.sign(x) * (1 - erfc);
}

/**
 * Fills with N(mean, std²) truncated to [a, b] by torch.nn.init.trunc_normal_'s
 * inverse-CDF method (one `uniform_` draw, then erfinv), so one seed gives
 * PyTorch's values. `a` and `b` are absolute bounds, not multiples of std.
 *
 * @example
 * truncNormal_(linear.weight, { std: 0.02 }); // Swin's and ViT's Linear init
 */
export function truncNormal_(tensor: Tensor, options: { mean?: number; std?: number; a?: number; b?: number } = {}): Tensor {
  const { mean = 0, std = 1, a = -2, b = 2 } = options;
  const normCdf = (v: number): number => (1 + erf(v / Math.SQRT2)) / 2;
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return noGrad(() => {
    tensor.uniform_(2 * l - 1, 2 * u - 1);
    inPlace('aten::erfinv_', '', tensor, []);
    tensor.mul_(std * Math.SQRT2);
    tensor.add_(mean);
    return tensor.clamp_(a, b);
  });
}
