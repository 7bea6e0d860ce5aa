/**
 * MobileNetV2, built exactly as torchvision 0.14 builds it: `features` (a
 * stem Conv2dNormActivation, 17 inverted-residual blocks named `conv`, a 1x1
 * head conv, all with ReLU6) and `classifier` (Dropout, Linear), with
 * torchvision's names, width multiplier and rounding, and initialisation.
 * The global average pooling is a registered `avgpool` child (torchvision
 * calls it as a function; it has no state, so state dicts are unchanged).
 *
 * Sandler, Howard, Zhu, Zhmoginov, Chen, "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018.
 *
 * @example
 * const model = mobilenetV2({ numClasses: 10 });
 * const logits = torch.noGrad(() => model.eval().forward(torch.randn([2, 3, 64, 64]))); // [2, 10]
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import type { Tensor } from '../torch/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, Module, ReLU6, Sequential, init } from '../torch/nn/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { InvertedResidualBlock, leafSteps } from './inverted-residual.js';
import { Conv2dNormActivation } from './layers/index.js';
import { makeDivisible } from './make-divisible.js';
import { mobileInit, stageGroups } from './mobile-init.js';
import { registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';

const relu6 = (): Module => new ReLU6({ inplace: true });

/** MobileNetV2's block: [1x1 expand] → depthwise 3x3 → 1x1 linear projection (`conv`), plus the input when the shape is kept. */
export class InvertedResidual extends InvertedResidualBlock {
  declare conv: Sequential;
  readonly stride: number;
  readonly outChannels: number;

  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    if (stride !== 1 && stride !== 2) throw new ConfigError(`InvertedResidual: expected stride 1 or 2, but got ${stride}`);
    super(stride === 1 && inp === oup);
    const hidden = Math.round(inp * expandRatio);
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1, activationLayer: relu6 }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, activationLayer: relu6 }),
      new Conv2d(hidden, oup, 1, { bias: false }),
      new BatchNorm2d(oup),
    );
    this.registerModule('conv', new Sequential(...layers));
    this.stride = stride;
    this.outChannels = oup;
  }

  get branch(): Sequential {
    return this.conv;
  }
}

/** Options of `mobilenetV2` (torchvision's keyword arguments, in camelCase). */
export interface MobileNetV2Options extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Scales every layer's channels (default 1). */
  widthMult?: number;
  /** Channels are rounded to a multiple of this (default 8; 1 turns rounding off). */
  roundNearest?: number;
  /** Dropout before the head (default 0.2). */
  dropout?: number;
  /** Image channels taken by the stem conv (default 3). */
  inChannels?: number;
}

/** [expand ratio t, channels c, blocks n, first stride s] per stage (the paper's Table 2). */
const settings = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
] as const;

/** MobileNetV2: features, global average pooling, Dropout and a linear head. */
export class MobileNetV2 extends Module implements Backbone {
  declare features: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;
  readonly numClasses: number;
  readonly modelInfo: { name: string; options: Record<string, unknown> };
  readonly #strides: number[] = [];

  constructor(options: MobileNetV2Options = {}) {
    super();
    const { numClasses = 1000, widthMult = 1, roundNearest = 8, dropout = 0.2, inChannels = 3 } = options;
    this.numClasses = numClasses;
    this.modelInfo = { name: 'mobilenet_v2', options: { numClasses, widthMult, roundNearest, dropout, inChannels } };
    let input = makeDivisible(32 * widthMult, roundNearest);
    const lastChannel = makeDivisible(1280 * Math.max(1, widthMult), roundNearest);
    const layers: Module[] = [new Conv2dNormActivation(inChannels, input, { stride: 2, activationLayer: relu6 })];
    for (const [t, c, n, s] of settings) {
      const output = makeDivisible(c * widthMult, roundNearest);
      for (let i = 0; i < n; i++) {
        layers.push(new InvertedResidual(input, output, i === 0 ? s : 1, t));
        this.#strides.push(i === 0 ? s : 1);
        input = output;
      }
    }
    layers.push(new Conv2dNormActivation(input, lastChannel, { kernelSize: 1, activationLayer: relu6 }));
    this.registerModule('features', new Sequential(...layers));
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('classifier', new Sequential(new Dropout({ p: dropout }), new Linear(lastChannel, numClasses)));
    mobileInit(this, (weight) => init.normal_(weight, 0, 0.01));
    applyPretrained(this, options);
  }

  get camLayer(): CamLayer {
    return { path: `features.${this.features.length - 1}`, layout: 'nchw' };
  }
  /** Head `classifier`; groups: the stem, the blocks of each resolution, the 1x1 head conv. */
  get layout(): BackboneLayout {
    return { head: ['classifier'], stemWeight: 'features.0.0.weight', groups: stageGroups(this.#strides) };
  }

  /** The layers before the head in forward order, read by `forwardFeatures` and by the ONNX writer. */
  get featureSteps(): readonly ForwardStep[] {
    return [this.features, this.avgpool, 'flatten'];
  }

  /** Pooled features before the head: [N, 1280 · max(1, widthMult)]. */
  forwardFeatures(x: Tensor): Tensor {
    return runSteps(x, leafSteps(this.featureSteps));
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W]. */
  forward(x: Tensor): Tensor {
    return runSteps(this.forwardFeatures(x), leafSteps([this.classifier]));
  }
}

/** torchvision's mobilenet_v2. @example mobilenetV2({ numClasses: 10, widthMult: 0.5 }); */
export const mobilenetV2 = (options: MobileNetV2Options = {}): MobileNetV2 => new MobileNetV2(options);

/** The options schema the registry validates model configs with. */
export const mobileNetV2OptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    widthMult: z.number().positive().default(1),
    roundNearest: z.number().int().positive().default(8),
    dropout: z.number().min(0).max(1).default(0.2),
    inChannels: z.number().int().positive().default(3),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

register({
  group: 'model',
  name: 'mobilenet_v2',
  schema: mobileNetV2OptionsSchema,
  build: (options: MobileNetV2Options) => mobilenetV2(options),
  description: "torchvision's mobilenet_v2",
});

registerPretrainedWeights({
  'mobilenet_v2.imagenet1k_v1': weightsEntry('mobilenet_v2', 'mobilenet_v2-b0353104.pth'),
  'mobilenet_v2.imagenet1k_v2': weightsEntry('mobilenet_v2', 'mobilenet_v2-7ebf99e0.pth', { resizeSize: 232 }),
});
