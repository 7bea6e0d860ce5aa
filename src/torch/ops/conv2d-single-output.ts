/**
 * A 2-D convolution whose output is one pixel, as the matrix product it is.
 *
 * When the output has one spatial position, only the kernel taps that land
 * on the input (not on the zero padding) contribute, so the convolution
 * equals `linear(window of x, those taps of the weight, bias)`. The padded
 * taps multiply exact zeros, so the result is the same sum without its zero
 * terms, and autograd gives the other taps an exact zero gradient, as the
 * convolution's backward does. This is the shape of a ResNet's last stage
 * on small images (Fashion-MNIST's 28x28 reaches layer4 at 1x1, where a 3x3
 * convolution computes 9 taps of which 8 meet padding); oneDNN's
 * convolution backward runs every tap, the matrix product one ninth of the
 * work.
 *
 * @example
 * singleOutputConv2d(x, w, b, { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }); // null unless the output is 1x1
 */
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { runT } from './dispatch.js';

/** conv2d's numeric options, as pairs. */
export interface ConvGeometry {
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
  groups: number;
}

/** The taps [first, end) of one kernel dimension that meet the input, or null when the output there is not one position. */
function touchingTaps(input: number, kernel: number, stride: number, padding: number, dilation: number): [number, number] | null {
  if (dilation !== 1) return null;
  const output = Math.floor((input + 2 * padding - kernel) / stride) + 1;
  if (output !== 1) return null;
  const first = Math.max(0, padding);
  const end = Math.min(kernel, padding + input);
  return end > first ? [first, end] : null;
}

/**
 * The convolution as one matrix product when `x` is [N, C, H, W], groups is 1 and the output is [N, C_out, 1, 1];
 * null otherwise (the caller runs the convolution).
 */
export function singleOutputConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry): Tensor | null {
  if (x.ndim !== 4 || g.groups !== 1 || weight.ndim !== 4 || x.shape[1] !== weight.shape[1]) return null;
  const [n, , h, w] = x.shape;
  const [out, , kh, kw] = weight.shape;
  // A 1x1 kernel on a 1x1 input is already a matrix product inside oneDNN; nothing to save.
  if (kh * kw === 1) return null;
  const rows = touchingTaps(h, kh, g.stride[0], g.padding[0], g.dilation[0]);
  const cols = touchingTaps(w, kw, g.stride[1], g.padding[1], g.dilation[1]);
  if (rows === null || cols === null) return null;
  return tidy(() => {
    const slice = (t: Tensor, dim: number, start: number, end: number): Tensor => runT('aten::slice', 'Tensor', [t, dim, start, end, 1]);
    const window = slice(slice(x, 2, rows[0] - g.padding[0], rows[1] - g.padding[0]), 3, cols[0] - g.padding[1], cols[1] - g.padding[1]);
    const taps = slice(slice(weight, 2, rows[0], rows[1]), 3, cols[0], cols[1]);
    const flatX = runT('aten::reshape', '', [window, [n, -1]]);
    const flatW = runT('aten::reshape', '', [taps, [out, -1]]);
    const y = runT('aten::linear', '', [flatX, flatW, bias]);
    return runT('aten::reshape', '', [y, [n, out, 1, 1]]);
  });
}
