/**
 * The residual blocks of ResNet, exactly as torchvision 0.14 builds them
 * (same layers, names and construction order, so the same seed draws the
 * same initial weights): `BasicBlock` (two 3x3 convs, ResNet-18/34) and
 * `Bottleneck` (1x1, 3x3, 1x1 with expansion 4, ResNet-50 and deeper; the
 * stride sits on the 3x3 conv, "ResNet v1.5").
 *
 * He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016.
 *
 * @example
 * const block = new Bottleneck({ inplanes: 256, planes: 64 });
 * block.forward(x); // [N, 256, H, W] -> [N, 256, H, W]
 */
import { ConfigError } from '../errors.js';
import { BatchNorm2d, Conv2d, Module, ReLU } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';

/** 3x3 convolution with padding = dilation, no bias (torchvision's `conv3x3`). */
export function conv3x3(
  inPlanes: number,
  outPlanes: number,
  options: { stride?: number; groups?: number; dilation?: number } = {},
): Conv2d {
  const { stride = 1, groups = 1, dilation = 1 } = options;
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: dilation, groups, bias: false, dilation });
}

/** 1x1 convolution, no bias (torchvision's `conv1x1`). */
export function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** Options of a residual block, as torchvision's constructor arguments. */
export interface ResidualBlockOptions {
  inplanes: number;
  planes: number;
  stride?: number;
  /** Projects the identity when the shape changes; registered last, as in torchvision. */
  downsample?: Module | null;
  groups?: number;
  baseWidth?: number;
  dilation?: number;
}

/**
 * What both blocks share: a residual branch named once in `branch` (its child
 * layers in forward order, read by `forward` and by the ONNX writer), then
 * out += downsample(x) (or x) and the block's ReLU in place.
 */
export abstract class ResidualBlock extends Module {
  declare relu: ReLU;
  declare downsample: Module | null;

  /** The residual branch's layers in forward order. */
  abstract get branch(): readonly ForwardStep[];

  forward(x: Tensor): Tensor {
    const out = runSteps(x, this.branch);
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    out.add_(identity);
    if (identity !== x) identity.dispose();
    return this.relu.forward(out);
  }
}

/** Two 3x3 convolutions with a skip connection (expansion 1). */
export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  readonly stride: number;

  constructor(options: ResidualBlockOptions) {
    super();
    const { inplanes, planes, stride = 1, downsample = null, groups = 1, baseWidth = 64, dilation = 1 } = options;
    if (groups !== 1 || baseWidth !== 64) {
      throw new ConfigError(`BasicBlock: expected groups 1 and baseWidth 64, but got groups ${groups} and baseWidth ${baseWidth}`);
    }
    if (dilation > 1) throw new ConfigError(`BasicBlock: expected dilation 1, but got ${dilation} (use a Bottleneck ResNet for dilation)`);
    this.registerModule('conv1', conv3x3(inplanes, planes, { stride }));
    this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('relu', new ReLU({ inplace: true }));
    this.registerModule('conv2', conv3x3(planes, planes));
    this.registerModule('bn2', new BatchNorm2d(planes));
    this.registerModule('downsample', downsample);
    this.stride = stride;
  }

  get branch(): readonly ForwardStep[] {
    return [this.conv1, this.bn1, this.relu, this.conv2, this.bn2];
  }
}

/** 1x1 reduce, 3x3 (strided, grouped), 1x1 expand, with a skip connection (expansion 4). */
export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare conv3: Conv2d;
  declare bn3: BatchNorm2d;
  readonly stride: number;

  constructor(options: ResidualBlockOptions) {
    super();
    const { inplanes, planes, stride = 1, downsample = null, groups = 1, baseWidth = 64, dilation = 1 } = options;
    const width = Math.trunc(planes * (baseWidth / 64.0)) * groups;
    this.registerModule('conv1', conv1x1(inplanes, width));
    this.registerModule('bn1', new BatchNorm2d(width));
    this.registerModule('conv2', conv3x3(width, width, { stride, groups, dilation }));
    this.registerModule('bn2', new BatchNorm2d(width));
    this.registerModule('conv3', conv1x1(width, planes * Bottleneck.expansion));
    this.registerModule('bn3', new BatchNorm2d(planes * Bottleneck.expansion));
    this.registerModule('relu', new ReLU({ inplace: true }));
    this.registerModule('downsample', downsample);
    this.stride = stride;
  }

  get branch(): readonly ForwardStep[] {
    return [this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3];
  }
}
