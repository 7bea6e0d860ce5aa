/**
 * MobileNetV3 small and large, built exactly as torchvision 0.14 builds
 * them: `features` (a Hardswish stem, inverted-residual blocks named
 * `block` with ReLU or Hardswish and squeeze-excitation gated by
 * Hardsigmoid, a 1x1 head conv), `avgpool` and `classifier` (Linear,
 * Hardswish, Dropout, Linear), BatchNorm eps 0.001 and momentum 0.01, with
 * torchvision's names, rounding and initialisation.
 *
 * Howard et al., "Searching for MobileNetV3", ICCV 2019.
 *
 * @example
 * const model = mobilenetV3Small({ numClasses: 10 });
 * const logits = torch.noGrad(() => model.eval().forward(torch.randn([2, 3, 64, 64]))); // [2, 10]
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import type { Tensor } from '../torch/index.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Dropout,
  Hardsigmoid,
  Hardswish,
  Linear,
  Module,
  ReLU,
  Sequential,
  init,
} from '../torch/nn/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { InvertedResidualBlock, leafSteps } from './inverted-residual.js';
import { Conv2dNormActivation, SqueezeExcitation } from './layers/index.js';
import { makeDivisible } from './make-divisible.js';
import { mobileInit, stageGroups } from './mobile-init.js';
import { registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';

/** One block of MobileNetV3 (torchvision's InvertedResidualConfig, channels already scaled). */
export interface InvertedResidualConfig {
  inputChannels: number;
  kernel: number;
  expandedChannels: number;
  outChannels: number;
  useSe: boolean;
  /** Hardswish ('HS') or ReLU ('RE'). */
  useHs: boolean;
  stride: number;
  dilation: number;
}

const normLayer = (c: number): Module => new BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
const hardswish = (): Module => new Hardswish({ inplace: true });

/** MobileNetV3's block: [1x1 expand] → depthwise kxk → [SE] → 1x1 projection (`block`), plus the input when the shape is kept. */
export class InvertedResidualV3 extends InvertedResidualBlock {
  declare block: Sequential;
  readonly stride: number;
  readonly outChannels: number;

  constructor(cnf: InvertedResidualConfig) {
    if (cnf.stride !== 1 && cnf.stride !== 2) throw new ConfigError(`InvertedResidualV3: expected stride 1 or 2, but got ${cnf.stride}`);
    super(cnf.stride === 1 && cnf.inputChannels === cnf.outChannels);
    const activationLayer = cnf.useHs ? hardswish : (): Module => new ReLU({ inplace: true });
    const expanded = cnf.expandedChannels;
    const layers: Module[] = [];
    if (expanded !== cnf.inputChannels)
      layers.push(new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: 1, normLayer, activationLayer }));
    layers.push(
      new Conv2dNormActivation(expanded, expanded, {
        kernelSize: cnf.kernel,
        stride: cnf.dilation > 1 ? 1 : cnf.stride,
        dilation: cnf.dilation,
        groups: expanded,
        normLayer,
        activationLayer,
      }),
    );
    if (cnf.useSe)
      layers.push(
        new SqueezeExcitation(expanded, makeDivisible(Math.floor(expanded / 4), 8), { scaleActivation: () => new Hardsigmoid() }),
      );
    layers.push(new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, normLayer, activationLayer: null }));
    this.registerModule('block', new Sequential(...layers));
    this.stride = cnf.stride;
    this.outChannels = cnf.outChannels;
  }

  get branch(): Sequential {
    return this.block;
  }
}

/** Options of the MobileNetV3 factories (torchvision's keyword arguments, in camelCase). */
export interface MobileNetV3Options extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Dropout between the two head linears (default 0.2). */
  dropout?: number;
  /** Scales every layer's channels (default 1). */
  widthMult?: number;
  /** Halves the last stage's channels (torchvision's `reduced_tail`, for detection backbones). */
  reducedTail?: boolean;
  /** Dilation 2 instead of stride in the last stage (torchvision's `dilated`, for segmentation). */
  dilated?: boolean;
  /** Image channels taken by the stem conv (default 3). */
  inChannels?: number;
}

/** [input, kernel, expanded, out, SE, 'HS' | 'RE', stride, last stage] per block (the paper's Tables 1 and 2). */
type Row = [number, number, number, number, boolean, 'HS' | 'RE', number, boolean];
const large: readonly Row[] = [
  [16, 3, 16, 16, false, 'RE', 1, false],
  [16, 3, 64, 24, false, 'RE', 2, false],
  [24, 3, 72, 24, false, 'RE', 1, false],
  [24, 5, 72, 40, true, 'RE', 2, false],
  [40, 5, 120, 40, true, 'RE', 1, false],
  [40, 5, 120, 40, true, 'RE', 1, false],
  [40, 3, 240, 80, false, 'HS', 2, false],
  [80, 3, 200, 80, false, 'HS', 1, false],
  [80, 3, 184, 80, false, 'HS', 1, false],
  [80, 3, 184, 80, false, 'HS', 1, false],
  [80, 3, 480, 112, true, 'HS', 1, false],
  [112, 3, 672, 112, true, 'HS', 1, false],
  [112, 5, 672, 160, true, 'HS', 2, true],
  [160, 5, 960, 160, true, 'HS', 1, true],
  [160, 5, 960, 160, true, 'HS', 1, true],
];
const small: readonly Row[] = [
  [16, 3, 16, 16, true, 'RE', 2, false],
  [16, 3, 72, 24, false, 'RE', 2, false],
  [24, 3, 88, 24, false, 'RE', 1, false],
  [24, 5, 96, 40, true, 'HS', 2, false],
  [40, 5, 240, 40, true, 'HS', 1, false],
  [40, 5, 240, 40, true, 'HS', 1, false],
  [40, 5, 120, 48, true, 'HS', 1, false],
  [48, 5, 144, 48, true, 'HS', 1, false],
  [48, 5, 288, 96, true, 'HS', 2, true],
  [96, 5, 576, 96, true, 'HS', 1, true],
  [96, 5, 576, 96, true, 'HS', 1, true],
];
const architectures = { mobilenet_v3_large: { rows: large, lastChannel: 1280 }, mobilenet_v3_small: { rows: small, lastChannel: 1024 } };

/**
 * torchvision's `_mobilenet_v3_conf`: the scaled block configs and the head width. In the
 * last stage `reducedTail` halves the channels (all but the first block's input) and `dilated` sets dilation 2.
 */
function configure(
  name: keyof typeof architectures,
  options: MobileNetV3Options,
): { blocks: InvertedResidualConfig[]; lastChannel: number } {
  const { widthMult = 1, reducedTail = false, dilated = false } = options;
  const divider = reducedTail ? 2 : 1;
  const adjust = (c: number): number => makeDivisible(c * widthMult, 8);
  const { rows, lastChannel } = architectures[name];
  const blocks = rows.map(([input, kernel, expanded, out, useSe, act, stride, tail], i) => {
    const firstOfTail = tail && !rows[i - 1][7];
    const reduce = (c: number): number => (tail ? Math.floor(c / divider) : c);
    return {
      inputChannels: adjust(firstOfTail ? input : reduce(input)),
      kernel,
      expandedChannels: adjust(firstOfTail ? expanded : reduce(expanded)),
      outChannels: adjust(reduce(out)),
      useSe,
      useHs: act === 'HS',
      stride,
      dilation: tail && dilated ? 2 : 1,
    };
  });
  return { blocks, lastChannel: adjust(Math.floor(lastChannel / divider)) };
}

/** MobileNetV3: features, global average pooling and a two-layer head. */
export class MobileNetV3 extends Module implements Backbone {
  declare features: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;
  readonly numClasses: number;
  readonly modelInfo: { name: string; options: Record<string, unknown> };
  readonly #strides: number[];

  constructor(name: keyof typeof architectures, options: MobileNetV3Options = {}) {
    super();
    const { numClasses = 1000, dropout = 0.2, inChannels = 3, widthMult = 1, reducedTail = false, dilated = false } = options;
    this.numClasses = numClasses;
    this.modelInfo = { name, options: { numClasses, dropout, widthMult, reducedTail, dilated, inChannels } };
    const { blocks, lastChannel } = configure(name, options);
    this.#strides = blocks.map((b) => b.stride);
    const lastIn = blocks.at(-1)!.outChannels;
    const layers: Module[] = [
      new Conv2dNormActivation(inChannels, blocks[0].inputChannels, { stride: 2, normLayer, activationLayer: hardswish }),
      ...blocks.map((cnf) => new InvertedResidualV3(cnf)),
      new Conv2dNormActivation(lastIn, 6 * lastIn, { kernelSize: 1, normLayer, activationLayer: hardswish }),
    ];
    this.registerModule('features', new Sequential(...layers));
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule(
      'classifier',
      new Sequential(new Linear(6 * lastIn, lastChannel), hardswish(), new Dropout({ p: dropout }), new Linear(lastChannel, numClasses)),
    );
    mobileInit(this, (weight) => init.normal_(weight, 0, 0.01));
    applyPretrained(this, options);
  }

  get camLayer(): CamLayer {
    return { path: `features.${this.features.length - 1}`, layout: 'nchw' };
  }
  /**
   * Head: the last Linear (`classifier.3`), so a new head keeps the pretrained 1280- (or 1024-)
   * wide hidden layer; groups: the stem, the blocks of each resolution, the 1x1 head conv, `classifier.0`.
   */
  get layout(): BackboneLayout {
    return { head: ['classifier.3'], stemWeight: 'features.0.0.weight', groups: [...stageGroups(this.#strides), ['classifier.0']] };
  }

  /** The layers before the head in forward order, read by `forwardFeatures` and by the ONNX writer. */
  get featureSteps(): readonly ForwardStep[] {
    return [this.features, this.avgpool, 'flatten'];
  }

  /** Pooled features before the classifier: [N, 6 × the last block's channels]. */
  forwardFeatures(x: Tensor): Tensor {
    return runSteps(x, leafSteps(this.featureSteps));
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W]. */
  forward(x: Tensor): Tensor {
    return runSteps(this.forwardFeatures(x), leafSteps([this.classifier]));
  }
}

/** torchvision's mobilenet_v3_large (5.5M params). @example mobilenetV3Large({ numClasses: 10 }); */
export const mobilenetV3Large = (options: MobileNetV3Options = {}): MobileNetV3 => new MobileNetV3('mobilenet_v3_large', options);
/** torchvision's mobilenet_v3_small (2.5M params). @example mobilenetV3Small({ numClasses: 10 }); */
export const mobilenetV3Small = (options: MobileNetV3Options = {}): MobileNetV3 => new MobileNetV3('mobilenet_v3_small', options);

/** The options schema the registry validates model configs with. */
export const mobileNetV3OptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    dropout: z.number().min(0).max(1).default(0.2),
    widthMult: z.number().positive().default(1),
    reducedTail: z.boolean().default(false),
    dilated: z.boolean().default(false),
    inChannels: z.number().int().positive().default(3),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const [name, factory] of [
  ['mobilenet_v3_large', mobilenetV3Large],
  ['mobilenet_v3_small', mobilenetV3Small],
] as const) {
  register({
    group: 'model',
    name,
    schema: mobileNetV3OptionsSchema,
    build: (options: MobileNetV3Options) => factory(options),
    description: `torchvision's ${name}`,
  });
}

registerPretrainedWeights({
  'mobilenet_v3_large.imagenet1k_v1': weightsEntry('mobilenet_v3_large', 'mobilenet_v3_large-8738ca79.pth'),
  'mobilenet_v3_large.imagenet1k_v2': weightsEntry('mobilenet_v3_large', 'mobilenet_v3_large-5c1a4163.pth', { resizeSize: 232 }),
  'mobilenet_v3_small.imagenet1k_v1': weightsEntry('mobilenet_v3_small', 'mobilenet_v3_small-047dcff4.pth'),
});
