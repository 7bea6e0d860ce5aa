/**
 * `Conv2d`: a 2-D convolution layer with PyTorch's parameters
 * (`weight` [out, in / groups, kH, kW], optional `bias` [out]) and PyTorch's
 * default initialisation, so one seed gives PyTorch's initial weights.
 *
 * @example
 * const conv = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
 * const y = conv.forward(torch.randn([1, 3, 224, 224])); // [1, 64, 112, 112]
 */
import { ShapeError } from '../../errors.js';
import { empty } from '../ops/creation.js';
import { conv2d } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** Options of `Conv2d` (PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1, bias true). */
export interface Conv2dLayerOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

function checkPositive(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`Conv2d: expected a positive integer for ${name}, but got ${value}`);
}

/** A 2-D convolution layer. */
export class Conv2d extends Module {
  declare weight: Tensor;
  declare bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: Conv2dLayerOptions = {}) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true } = options;
    checkPositive('inChannels', inChannels);
    checkPositive('outChannels', outChannels);
    checkPositive('groups', groups);
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new TypeError(
        `Conv2d: expected inChannels (${inChannels}) and outChannels (${outChannels}) divisible by groups, but got groups ${groups}`,
      );
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(stride);
    this.padding = typeof padding === 'string' ? padding : pair(padding);
    this.dilation = pair(dilation);
    this.groups = groups;
    this.registerParameter('weight', empty([outChannels, inChannels / groups, ...this.kernelSize]));
    this.registerParameter('bias', bias ? empty([outChannels]) : null);
    this.resetParameters();
  }

  /** PyTorch's default: kaiming_uniform_(a = sqrt(5)), bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const { fanIn } = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        uniform_(this.bias, -bound, bound);
      }
    }
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 && x.ndim !== 3) {
      throw new ShapeError(`Conv2d: expected a 3-D or 4-D input [N, C, H, W], but got shape [${x.shape.join(', ')}]`);
    }
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
