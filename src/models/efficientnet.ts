/**
 * The EfficientNet family (B0-B7 and V2 S/M/L), built exactly as torchvision
 * 0.14 builds it: `features` (a stem Conv2dNormActivation, one Sequential of
 * MBConv / FusedMBConv blocks per stage, a 1x1 head conv), `avgpool`, and
 * `classifier` (Dropout, Linear), with torchvision's names, width/depth
 * scaling, per-variant BatchNorm eps and momentum, stochastic depth rising
 * linearly with the block index, and initialisation, so torchvision's
 * weights load strictly and one seed gives torchvision's initial weights.
 *
 * Tan, Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019.
 * Tan, Le, "EfficientNetV2: Smaller Models and Faster Training", ICML 2021.
 *
 * @example
 * const model = efficientnetB0({ numClasses: 10 });
 * const logits = torch.noGrad(() => model.eval().forward(torch.randn([2, 3, 64, 64]))); // [2, 10]
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import type { Tensor } from '../torch/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Dropout, Linear, Module, SiLU, Sequential, init } from '../torch/nn/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { FusedMBConv, MBConv, mbconvConfig } from './efficientnet-blocks.js';
import type { MBConvConfig } from './efficientnet-blocks.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { leafSteps } from './inverted-residual.js';
import { Conv2dNormActivation } from './layers/index.js';
import { mobileInit } from './mobile-init.js';
import { registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';

/** Options of every EfficientNet factory (torchvision's keyword arguments, in camelCase). */
export interface EfficientNetOptions extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Dropout before the head (default: the variant's, 0.2 for B0 up to 0.5 for B7). */
  dropout?: number;
  /** Stochastic depth of the last block; block i of n gets p·i/n (default 0.2). */
  stochasticDepthProb?: number;
  /** Image channels taken by the stem conv (default 3). */
  inChannels?: number;
}

/** What a variant fixes: its stages, head width, dropout and BatchNorm. */
export interface EfficientNetArchitecture {
  /** The registry name ('efficientnet_b0'), recorded in `modelInfo`. */
  name: string;
  stages: readonly MBConvConfig[];
  /** Channels of the 1x1 conv before pooling (default 4 × the last stage's). */
  lastChannel?: number;
  dropout: number;
  batchNorm: { eps: number; momentum: number };
}

const silu = (): Module => new SiLU({ inplace: true });

/** An EfficientNet: features, global average pooling, Dropout and a linear head. */
export class EfficientNet extends Module implements Backbone {
  declare features: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;
  readonly numClasses: number;
  readonly modelInfo: { name: string; options: Record<string, unknown> };

  constructor(architecture: EfficientNetArchitecture, options: EfficientNetOptions = {}) {
    super();
    const { numClasses = 1000, dropout = architecture.dropout, stochasticDepthProb = 0.2, inChannels = 3 } = options;
    if (!(stochasticDepthProb >= 0 && stochasticDepthProb <= 1))
      throw new ConfigError(`EfficientNet: expected stochasticDepthProb in [0, 1], but got ${stochasticDepthProb}`);
    this.numClasses = numClasses;
    this.modelInfo = { name: architecture.name, options: { numClasses, dropout, stochasticDepthProb, inChannels } };
    const { eps, momentum } = architecture.batchNorm;
    const normLayer = (c: number): Module => new BatchNorm2d(c, { eps, momentum });
    const { stages } = architecture;
    const layers: Module[] = [
      new Conv2dNormActivation(inChannels, stages[0].inputChannels, { kernelSize: 3, stride: 2, normLayer, activationLayer: silu }),
    ];
    const totalBlocks = stages.reduce((n, s) => n + s.numLayers, 0);
    let blockId = 0;
    for (const stage of stages) {
      const blocks: Module[] = [];
      for (let i = 0; i < stage.numLayers; i++) {
        const cnf = i === 0 ? stage : { ...stage, inputChannels: stage.outChannels, stride: 1 };
        const Block = stage.block === 'fused' ? FusedMBConv : MBConv;
        blocks.push(new Block(cnf, (stochasticDepthProb * blockId) / totalBlocks, normLayer));
        blockId++;
      }
      layers.push(new Sequential(...blocks));
    }
    const lastIn = stages.at(-1)!.outChannels;
    const lastOut = architecture.lastChannel ?? 4 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, normLayer, activationLayer: silu }));
    this.registerModule('features', new Sequential(...layers));
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('classifier', new Sequential(new Dropout({ p: dropout }), new Linear(lastOut, numClasses)));
    this.#initialise();
    applyPretrained(this, options);
  }

  /** torchvision's init in module order; linears U(±1/√out). */
  #initialise(): void {
    mobileInit(this, (weight, layer) => init.uniform_(weight, -1 / Math.sqrt(layer.outFeatures), 1 / Math.sqrt(layer.outFeatures)));
  }

  get camLayer(): CamLayer {
    return { path: `features.${this.features.length - 1}`, layout: 'nchw' };
  }
  /** Head `classifier`; groups: the stem, each stage, the 1x1 head conv. */
  get layout(): BackboneLayout {
    const n = this.features.length;
    return {
      head: ['classifier'],
      stemWeight: 'features.0.0.weight',
      groups: Array.from({ length: n }, (_, i) => [`features.${i}`]),
    };
  }

  /** The layers before the head in forward order, read by `forwardFeatures` and by the ONNX writer. */
  get featureSteps(): readonly ForwardStep[] {
    return [this.features, this.avgpool, 'flatten'];
  }

  /** Pooled features before the head: [N, lastChannel]. */
  forwardFeatures(x: Tensor): Tensor {
    return runSteps(x, leafSteps(this.featureSteps));
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W]. */
  forward(x: Tensor): Tensor {
    return runSteps(this.forwardFeatures(x), leafSteps([this.classifier]));
  }
}

type Stage = [expandRatio: number, kernel: number, stride: number, inputChannels: number, outChannels: number, numLayers: number];
const stage = (block: MBConvConfig['block'], [expandRatio, kernel, stride, inputChannels, outChannels, numLayers]: Stage) =>
  ({ block, expandRatio, kernel, stride, inputChannels, outChannels, numLayers }) as const;

/** B0's stages (the paper's Table 1), scaled by each B variant. */
const v1Stages: readonly Stage[] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];
const defaultBn = { eps: 1e-5, momentum: 0.1 };
const v1 = (name: string, widthMult: number, depthMult: number, dropout: number, batchNorm = defaultBn): EfficientNetArchitecture => ({
  name,
  stages: v1Stages.map((s) => mbconvConfig(stage('mbconv', s), { widthMult, depthMult })),
  dropout,
  batchNorm,
});
/** V2's stages (the paper's Table 4 and torchvision's M/L): the first `fused` are Fused-MBConv. */
const v2 = (name: string, fused: number, stages: readonly Stage[], dropout: number): EfficientNetArchitecture => ({
  name,
  stages: stages.map((s, i) => mbconvConfig(stage(i < fused ? 'fused' : 'mbconv', s))),
  lastChannel: 1280,
  dropout,
  batchNorm: { eps: 1e-3, momentum: 0.1 },
});
const tfBn = { eps: 1e-3, momentum: 0.01 };

/** Every variant torchvision defines, by its name. */
export const efficientNetArchitectures: Readonly<Record<string, EfficientNetArchitecture>> = {
  efficientnet_b0: v1('efficientnet_b0', 1.0, 1.0, 0.2),
  efficientnet_b1: v1('efficientnet_b1', 1.0, 1.1, 0.2),
  efficientnet_b2: v1('efficientnet_b2', 1.1, 1.2, 0.3),
  efficientnet_b3: v1('efficientnet_b3', 1.2, 1.4, 0.3),
  efficientnet_b4: v1('efficientnet_b4', 1.4, 1.8, 0.4),
  efficientnet_b5: v1('efficientnet_b5', 1.6, 2.2, 0.4, tfBn),
  efficientnet_b6: v1('efficientnet_b6', 1.8, 2.6, 0.5, tfBn),
  efficientnet_b7: v1('efficientnet_b7', 2.0, 3.1, 0.5, tfBn),
  efficientnet_v2_s: v2(
    'efficientnet_v2_s',
    3,
    [
      [1, 3, 1, 24, 24, 2],
      [4, 3, 2, 24, 48, 4],
      [4, 3, 2, 48, 64, 4],
      [4, 3, 2, 64, 128, 6],
      [6, 3, 1, 128, 160, 9],
      [6, 3, 2, 160, 256, 15],
    ],
    0.2,
  ),
  efficientnet_v2_m: v2(
    'efficientnet_v2_m',
    3,
    [
      [1, 3, 1, 24, 24, 3],
      [4, 3, 2, 24, 48, 5],
      [4, 3, 2, 48, 80, 5],
      [4, 3, 2, 80, 160, 7],
      [6, 3, 1, 160, 176, 14],
      [6, 3, 2, 176, 304, 18],
      [6, 3, 1, 304, 512, 5],
    ],
    0.3,
  ),
  efficientnet_v2_l: v2(
    'efficientnet_v2_l',
    3,
    [
      [1, 3, 1, 32, 32, 4],
      [4, 3, 2, 32, 64, 7],
      [4, 3, 2, 64, 96, 7],
      [4, 3, 2, 96, 192, 10],
      [6, 3, 1, 192, 224, 19],
      [6, 3, 2, 224, 384, 25],
      [6, 3, 1, 384, 640, 7],
    ],
    0.4,
  ),
};

const factory =
  (name: string) =>
  (options: EfficientNetOptions = {}): EfficientNet =>
    new EfficientNet(efficientNetArchitectures[name], options);

/** EfficientNet-B0 (5.3M params). @example efficientnetB0({ numClasses: 10 }); */
export const efficientnetB0 = factory('efficientnet_b0');
/** EfficientNet-B1. @example efficientnetB1({ numClasses: 10 }); */
export const efficientnetB1 = factory('efficientnet_b1');
/** EfficientNet-B2. @example efficientnetB2({ numClasses: 10 }); */
export const efficientnetB2 = factory('efficientnet_b2');
/** EfficientNet-B3. @example efficientnetB3({ numClasses: 10 }); */
export const efficientnetB3 = factory('efficientnet_b3');
/** EfficientNet-B4. @example efficientnetB4({ numClasses: 10 }); */
export const efficientnetB4 = factory('efficientnet_b4');
/** EfficientNet-B5 (BatchNorm eps 1e-3, momentum 0.01). @example efficientnetB5({ numClasses: 10 }); */
export const efficientnetB5 = factory('efficientnet_b5');
/** EfficientNet-B6 (BatchNorm eps 1e-3, momentum 0.01). @example efficientnetB6({ numClasses: 10 }); */
export const efficientnetB6 = factory('efficientnet_b6');
/** EfficientNet-B7 (BatchNorm eps 1e-3, momentum 0.01). @example efficientnetB7({ numClasses: 10 }); */
export const efficientnetB7 = factory('efficientnet_b7');
/** EfficientNetV2-S (21.5M params). @example efficientnetV2S({ numClasses: 10 }); */
export const efficientnetV2S = factory('efficientnet_v2_s');
/** EfficientNetV2-M. @example efficientnetV2M({ numClasses: 10 }); */
export const efficientnetV2M = factory('efficientnet_v2_m');
/** EfficientNetV2-L. @example efficientnetV2L({ numClasses: 10 }); */
export const efficientnetV2L = factory('efficientnet_v2_l');

/** The options schema the registry validates model configs with. */
export const efficientNetOptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    dropout: z.number().min(0).max(1).optional(),
    stochasticDepthProb: z.number().min(0).max(1).default(0.2),
    inChannels: z.number().int().positive().default(3),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const name of Object.keys(efficientNetArchitectures)) {
  register({
    group: 'model',
    name,
    schema: efficientNetOptionsSchema,
    build: (options: EfficientNetOptions) => factory(name)(options),
    description: `torchvision's ${name}`,
  });
}

const bicubic = 'bicubic' as const;
registerPretrainedWeights({
  'efficientnet_b0.imagenet1k_v1': weightsEntry('efficientnet_b0', 'efficientnet_b0_rwightman-3dd342df.pth', {
    cropSize: 224,
    resizeSize: 256,
    interpolation: bicubic,
  }),
  'efficientnet_b1.imagenet1k_v1': weightsEntry('efficientnet_b1', 'efficientnet_b1_rwightman-533bc792.pth', {
    cropSize: 240,
    resizeSize: 256,
    interpolation: bicubic,
  }),
  'efficientnet_b1.imagenet1k_v2': weightsEntry('efficientnet_b1', 'efficientnet_b1-c27df63c.pth', { cropSize: 240, resizeSize: 255 }),
  'efficientnet_b2.imagenet1k_v1': weightsEntry('efficientnet_b2', 'efficientnet_b2_rwightman-bcdf34b7.pth', {
    cropSize: 288,
    resizeSize: 288,
    interpolation: bicubic,
  }),
  'efficientnet_b3.imagenet1k_v1': weightsEntry('efficientnet_b3', 'efficientnet_b3_rwightman-cf984f9c.pth', {
    cropSize: 300,
    resizeSize: 320,
    interpolation: bicubic,
  }),
  'efficientnet_b4.imagenet1k_v1': weightsEntry('efficientnet_b4', 'efficientnet_b4_rwightman-7eb33cd5.pth', {
    cropSize: 380,
    resizeSize: 384,
    interpolation: bicubic,
  }),
  'efficientnet_b5.imagenet1k_v1': weightsEntry('efficientnet_b5', 'efficientnet_b5_lukemelas-b6417697.pth', {
    cropSize: 456,
    resizeSize: 456,
    interpolation: bicubic,
  }),
  'efficientnet_b6.imagenet1k_v1': weightsEntry('efficientnet_b6', 'efficientnet_b6_lukemelas-c76e70fd.pth', {
    cropSize: 528,
    resizeSize: 528,
    interpolation: bicubic,
  }),
  'efficientnet_b7.imagenet1k_v1': weightsEntry('efficientnet_b7', 'efficientnet_b7_lukemelas-dcc49843.pth', {
    cropSize: 600,
    resizeSize: 600,
    interpolation: bicubic,
  }),
  'efficientnet_v2_s.imagenet1k_v1': weightsEntry('efficientnet_v2_s', 'efficientnet_v2_s-dd5fe13b.pth', {
    cropSize: 384,
    resizeSize: 384,
  }),
  'efficientnet_v2_m.imagenet1k_v1': weightsEntry('efficientnet_v2_m', 'efficientnet_v2_m-dc08266a.pth', {
    cropSize: 480,
    resizeSize: 480,
  }),
  'efficientnet_v2_l.imagenet1k_v1': weightsEntry('efficientnet_v2_l', 'efficientnet_v2_l-59c71312.pth', {
    cropSize: 480,
    resizeSize: 480,
    interpolation: bicubic,
  }),
});
