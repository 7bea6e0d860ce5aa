/**
 * `SqueezeExcitation` (torchvision.ops.SqueezeExcitation): global average
 * pooling, a 1x1 conv down to `squeezeChannels`, an activation, a 1x1 conv
 * back and a gate (sigmoid by default) that scales each input channel.
 * Children are named as torchvision names them (`avgpool`, `fc1`, `fc2`,
 * `activation`, `scale_activation`).
 *
 * Hu, Shen, Sun, "Squeeze-and-Excitation Networks", CVPR 2018.
 *
 * @example
 * const se = new SqueezeExcitation(96, 24, { activation: () => new SiLU() });
 * se.forward(x); // x scaled per channel
 */
import { AdaptiveAvgPool2d, Conv2d, Module, ReLU, Sigmoid, chain } from '../../torch/nn/index.js';
import type { Tensor } from '../../torch/index.js';

/** Options of `SqueezeExcitation` (torchvision's defaults: ReLU, then Sigmoid). */
export interface SqueezeExcitationOptions {
  activation?: () => Module;
  scaleActivation?: () => Module;
}

/** A channel gate computed from the input's global average. */
export class SqueezeExcitation extends Module {
  declare avgpool: AdaptiveAvgPool2d;
  declare fc1: Conv2d;
  declare fc2: Conv2d;
  declare activation: Module;
  declare scale_activation: Module;

  constructor(inputChannels: number, squeezeChannels: number, options: SqueezeExcitationOptions = {}) {
    super();
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('fc1', new Conv2d(inputChannels, squeezeChannels, 1));
    this.registerModule('fc2', new Conv2d(squeezeChannels, inputChannels, 1));
    this.registerModule('activation', (options.activation ?? ((): Module => new ReLU()))());
    this.registerModule('scale_activation', (options.scaleActivation ?? ((): Module => new Sigmoid()))());
  }

  /** The per-channel scale [N, C, 1, 1]. */
  scale(x: Tensor): Tensor {
    return chain(
      x,
      (t) => this.avgpool.forward(t),
      (t) => this.fc1.forward(t),
      (t) => this.activation.forward(t),
      (t) => this.fc2.forward(t),
      (t) => this.scale_activation.forward(t),
    );
  }

  forward(x: Tensor): Tensor {
    return chain(
      x,
      (t) => this.scale(t),
      (s) => s.mul(x),
    );
  }
}
