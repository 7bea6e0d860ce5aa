/**
 * `Conv2dNormActivation` (torchvision.ops.Conv2dNormActivation): a Conv2d,
 * a normalisation and an activation in one Sequential, children named "0",
 * "1", "2" as torchvision names them, so `features.0.1.running_mean` loads
 * from torchvision's files. The padding defaults to "same" for odd kernels
 * ((k - 1) / 2 * dilation); the conv has a bias only when there is no norm.
 *
 * @example
 * new Conv2dNormActivation(3, 32, { kernelSize: 3, stride: 2, activationLayer: () => new SiLU({ inplace: true }) });
 */
import { BatchNorm2d, Conv2d, ReLU, Sequential } from '../../torch/nn/index.js';
import type { Module } from '../../torch/nn/index.js';

/** Options of `Conv2dNormActivation` (torchvision's defaults: 3x3, stride 1, BatchNorm2d, ReLU in place). */
export interface Conv2dNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  /** Default (kernelSize - 1) / 2 * dilation. */
  padding?: number;
  groups?: number;
  dilation?: number;
  /** Builds the norm for `channels`; null for none. */
  normLayer?: ((channels: number) => Module) | null;
  /** Builds the activation; null for none. */
  activationLayer?: (() => Module) | null;
  /** Default: true when there is no norm layer. */
  bias?: boolean;
}

/** Conv2d → norm → activation. */
export class Conv2dNormActivation extends Sequential {
  constructor(inChannels: number, outChannels: number, options: Conv2dNormActivationOptions = {}) {
    const { kernelSize = 3, stride = 1, groups = 1, dilation = 1 } = options;
    const normLayer = options.normLayer === undefined ? (c: number): Module => new BatchNorm2d(c) : options.normLayer;
    const activationLayer = options.activationLayer === undefined ? (): Module => new ReLU({ inplace: true }) : options.activationLayer;
    const padding = options.padding ?? Math.floor((kernelSize - 1) / 2) * dilation;
    const layers: Module[] = [
      new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, dilation, groups, bias: options.bias ?? normLayer === null }),
    ];
    if (normLayer !== null) layers.push(normLayer(outChannels));
    if (activationLayer !== null) layers.push(activationLayer());
    super(...layers);
  }
}
