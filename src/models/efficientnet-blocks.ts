/**
 * EfficientNet's blocks, exactly as torchvision 0.14 builds them (same
 * layers, names and construction order, so one seed draws the same initial
 * weights): `MBConv` (1x1 expand, depthwise kxk, squeeze-excitation with
 * SiLU, 1x1 project; EfficientNet B0-B7 and V2's later stages) and
 * `FusedMBConv` (a full kxk conv in place of expand + depthwise, no SE;
 * V2's first stages). Each has `block` (its layers) and `stochastic_depth`
 * (row mode), applied before the residual sum.
 *
 * Tan, Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019.
 * Tan, Le, "EfficientNetV2: Smaller Models and Faster Training", ICML 2021.
 *
 * @example
 * const cnf = mbconvConfig({ expandRatio: 6, kernel: 3, stride: 2, inputChannels: 16, outChannels: 24, numLayers: 2 });
 * const block = new MBConv(cnf, 0.0125, (c) => new BatchNorm2d(c));
 */
import { ConfigError } from '../errors.js';
import { SiLU, Sequential, StochasticDepth } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import { InvertedResidualBlock } from './inverted-residual.js';
import { Conv2dNormActivation, SqueezeExcitation } from './layers/index.js';
import { makeDivisible } from './make-divisible.js';

/** One stage of an EfficientNet (torchvision's MBConvConfig / FusedMBConvConfig, already scaled). */
export interface MBConvConfig {
  block: 'mbconv' | 'fused';
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
}

/** Channels scaled by a width multiplier and rounded to a multiple of 8 (torchvision's `adjust_channels`). @example adjustChannels(40, 1.1); // 48 */
export const adjustChannels = (channels: number, widthMult: number): number => makeDivisible(channels * widthMult, 8);

/**
 * A stage's config with torchvision's width and depth scaling (`MBConvConfig(...)`; FusedMBConv stages are never scaled).
 *
 * @example
 * mbconvConfig({ expandRatio: 6, kernel: 5, stride: 2, inputChannels: 24, outChannels: 40, numLayers: 2 }, { widthMult: 1.1, depthMult: 1.2 });
 */
export function mbconvConfig(
  stage: Omit<MBConvConfig, 'block'> & { block?: MBConvConfig['block'] },
  scale: { widthMult?: number; depthMult?: number } = {},
): MBConvConfig {
  const { widthMult = 1, depthMult = 1 } = scale;
  return {
    ...stage,
    block: stage.block ?? 'mbconv',
    inputChannels: adjustChannels(stage.inputChannels, widthMult),
    outChannels: adjustChannels(stage.outChannels, widthMult),
    numLayers: Math.ceil(stage.numLayers * depthMult),
  };
}

const silu = (): Module => new SiLU({ inplace: true });

function checkStride(name: string, stride: number): void {
  if (stride !== 1 && stride !== 2) throw new ConfigError(`${name}: expected stride 1 or 2, but got ${stride}`);
}

/** What both EfficientNet blocks hold: `block`, then `stochastic_depth` on it before the residual sum. */
abstract class EfficientNetBlock extends InvertedResidualBlock {
  declare block: Sequential;
  declare stochastic_depth: StochasticDepth;
  readonly outChannels: number;

  constructor(cnf: MBConvConfig, layers: Module[], stochasticDepthProb: number) {
    super(cnf.stride === 1 && cnf.inputChannels === cnf.outChannels);
    this.registerModule('block', new Sequential(...layers));
    this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row'));
    this.outChannels = cnf.outChannels;
  }

  get branch(): Sequential {
    return this.block;
  }

  override get drop(): StochasticDepth {
    return this.stochastic_depth;
  }
}

/** Mobile inverted bottleneck: [1x1 expand] → depthwise kxk → SE → 1x1 project. */
export class MBConv extends EfficientNetBlock {
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, normLayer: (channels: number) => Module) {
    checkStride('MBConv', cnf.stride);
    const expanded = adjustChannels(cnf.inputChannels, cnf.expandRatio);
    const layers: Module[] = [];
    if (expanded !== cnf.inputChannels)
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: 1, normLayer, activationLayer: silu }));
    layers.push(
      new Conv2dNormActivation(expanded, expanded, {
        kernelSize: cnf.kernel,
        stride: cnf.stride,
        groups: expanded,
        normLayer,
        activationLayer: silu,
      }),
      new SqueezeExcitation(expanded, Math.max(1, Math.floor(cnf.inputChannels / 4)), { activation: silu }),
      new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }),
    );
    super(cnf, layers, stochasticDepthProb);
  }
}

/** Fused-MBConv: kxk expand → 1x1 project, or one kxk conv when the expand ratio is 1. */
export class FusedMBConv extends EfficientNetBlock {
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, normLayer: (channels: number) => Module) {
    checkStride('FusedMBConv', cnf.stride);
    const expanded = adjustChannels(cnf.inputChannels, cnf.expandRatio);
    const conv = { kernelSize: cnf.kernel, stride: cnf.stride, normLayer, activationLayer: silu };
    const layers: Module[] =
      expanded === cnf.inputChannels
        ? [new Conv2dNormActivation(cnf.inputChannels, cnf.outChannels, conv)]
        : [
            new Conv2dNormActivation(cnf.inputChannels, expanded, conv),
            new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }),
          ];
    super(cnf, layers, stochasticDepthProb);
  }
}
