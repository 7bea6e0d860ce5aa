/**
 * The ResNet family, built exactly as torchvision 0.14 builds it: the same
 * layers, parameter and buffer names (`layer1.0.conv1.weight`,
 * `bn1.running_mean`, `fc.bias`) and initialisation, so weights move both
 * ways and one seed gives torchvision's initial weights. Two additions keep
 * the names unchanged: `stem: 'small'` (a 3x3 stride-1 conv1 and no max-pool,
 * for 32x32 images) and `inChannels` (1 for grayscale).
 *
 * He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016.
 * Zagoruyko, Komodakis, "Wide Residual Networks", BMVC 2016 (wideResnet50_2, wideResnet101_2).
 * Xie, Girshick, Dollár, Tu, He, "Aggregated Residual Transformations for Deep
 * Neural Networks", CVPR 2017 (resnext50_32x4d, resnext101_32x8d, resnext101_64x4d).
 *
 * @example
 * const model = resnet18({ numClasses: 10, stem: 'small' });
 * const logits = torch.noGrad(() => model.forward(torch.randn([8, 3, 32, 32]))); // [8, 10]
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Identity, Linear, MaxPool2d, Module, ReLU, Sequential, init } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { BasicBlock, Bottleneck, conv1x1 } from './resnet-blocks.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer } from './backbone.js';

/** Options every ResNet factory takes (torchvision's keyword arguments, in camelCase). */
export interface ResNetOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Zero the last BN weight of each residual branch, so each block starts as the identity. */
  zeroInitResidual?: boolean;
  /** 'imagenet': 7x7 stride-2 conv1 and a max-pool; 'small': 3x3 stride-1 conv1, no max-pool. */
  stem?: 'imagenet' | 'small';
  /** Image channels (3 for RGB, 1 for grayscale). */
  inChannels?: number;
  /** Per stage 2-4, use dilation instead of stride (Bottleneck only). */
  replaceStrideWithDilation?: readonly [boolean, boolean, boolean];
  /**
   * Weights loaded after initialisation: a local `.pth` / `.safetensors` file,
   * or a known id such as 'resnet18.imagenet1k_v1' (found in `weightsDir`, hash
   * checked; see `resolvePretrained`). A head of another size stays freshly
   * initialised and a 1-channel conv1 gets the RGB weights summed (see `loadPretrained`).
   */
  pretrained?: string;
  /** Where known weight ids are looked for (default ~/.cache/classifier-training/weights, then torch's hub cache). */
  weightsDir?: string;
  /** Receives what loading pretrained weights adapted (default console.warn). */
  log?: (message: string) => void;
}

/** The architecture-defining options, set by each factory. */
export interface ResNetArchitecture {
  block: typeof BasicBlock | typeof Bottleneck;
  layers: readonly [number, number, number, number];
  groups?: number;
  widthPerGroup?: number;
  /** The registry name ('resnet18'), recorded in `modelInfo`. */
  name?: string;
}

/** A ResNet: stem, four stages of residual blocks, global average pooling and a linear head. */
export class ResNet extends Module implements Backbone {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare maxpool: MaxPool2d | Identity;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare layer4: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly stem: 'imagenet' | 'small';
  /**
   * The registry name and the options that rebuild this architecture (without
   * pretrained weights): checkpoints store it so export and inference can
   * build the model without the training config.
   */
  readonly modelInfo: { name: string; options: Record<string, unknown> } | null;
  #inplanes = 64;
  #dilation = 1;
  readonly #groups: number;
  readonly #baseWidth: number;

  constructor(architecture: ResNetArchitecture, options: ResNetOptions = {}) {
    super();
    const { numClasses = 1000, zeroInitResidual = false, stem = 'imagenet', inChannels = 3 } = options;
    const dilate = options.replaceStrideWithDilation ?? [false, false, false];
    if (dilate.length !== 3)
      throw new ConfigError(`ResNet: expected replaceStrideWithDilation of 3 booleans, but got ${JSON.stringify(dilate)}`);
    if (stem !== 'imagenet' && stem !== 'small')
      throw new ConfigError(`ResNet: expected stem 'imagenet' or 'small', but got '${String(stem)}'`);
    this.numClasses = numClasses;
    this.inChannels = inChannels;
    this.stem = stem;
    const rebuild = {
      numClasses,
      stem,
      inChannels,
      zeroInitResidual,
      ...(options.replaceStrideWithDilation ? { replaceStrideWithDilation: [...dilate] } : {}),
    };
    this.modelInfo = architecture.name === undefined ? null : { name: architecture.name, options: rebuild };
    this.#groups = architecture.groups ?? 1;
    this.#baseWidth = architecture.widthPerGroup ?? 64;
    const { block, layers } = architecture;
    this.registerModule(
      'conv1',
      stem === 'imagenet'
        ? new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3, bias: false })
        : new Conv2d(inChannels, 64, 3, { stride: 1, padding: 1, bias: false }),
    );
    this.registerModule('bn1', new BatchNorm2d(64));
    this.registerModule('relu', new ReLU({ inplace: true }));
    this.registerModule('maxpool', stem === 'imagenet' ? new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }) : new Identity());
    this.registerModule('layer1', this.#makeLayer(block, 64, layers[0]));
    this.registerModule('layer2', this.#makeLayer(block, 128, layers[1], 2, dilate[0]));
    this.registerModule('layer3', this.#makeLayer(block, 256, layers[2], 2, dilate[1]));
    this.registerModule('layer4', this.#makeLayer(block, 512, layers[3], 2, dilate[2]));
    this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.registerModule('fc', new Linear(512 * block.expansion, numClasses));
    this.#initialise(zeroInitResidual);
    applyPretrained(this, options);
  }

  readonly camLayer: CamLayer = { path: 'layer4', layout: 'nchw' };
  /** Head `fc`; groups: the stem, then each stage (layer1-4). */
  get layout(): BackboneLayout {
    return { head: ['fc'], stemWeight: 'conv1.weight', groups: [['conv1', 'bn1'], ['layer1'], ['layer2'], ['layer3'], ['layer4']] };
  }

  #makeLayer(block: typeof BasicBlock | typeof Bottleneck, planes: number, blocks: number, stride = 1, dilate = false): Sequential {
    let downsample: Module | null = null;
    const previousDilation = this.#dilation;
    if (dilate) {
      this.#dilation *= stride;
      stride = 1;
    }
    if (stride !== 1 || this.#inplanes !== planes * block.expansion) {
      downsample = new Sequential(conv1x1(this.#inplanes, planes * block.expansion, stride), new BatchNorm2d(planes * block.expansion));
    }
    const common = { planes, groups: this.#groups, baseWidth: this.#baseWidth };
    const layer = new Sequential(new block({ ...common, inplanes: this.#inplanes, stride, downsample, dilation: previousDilation }));
    this.#inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) layer.append(new block({ ...common, inplanes: this.#inplanes, dilation: this.#dilation }));
    return layer;
  }

  /** torchvision's init: kaiming_normal_(fan_out, relu) for convs, BN weight 1 and bias 0, in module order. */
  #initialise(zeroInitResidual: boolean): void {
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      else if (m instanceof BatchNorm2d && m.weight !== null && m.bias !== null) {
        init.constant_(m.weight, 1);
        init.constant_(m.bias, 0);
      }
    }
    if (!zeroInitResidual) return;
    for (const m of this.modules()) {
      if (m instanceof Bottleneck && m.bn3.weight !== null) init.constant_(m.bn3.weight, 0);
      else if (m instanceof BasicBlock && m.bn2.weight !== null) init.constant_(m.bn2.weight, 0);
    }
  }

  /**
   * The layers before the head in forward order, then the flatten: read by
   * `forwardFeatures` and by the ONNX writer. The stages run block by block
   * (`runSteps`), so each activation can be freed during backward.
   */
  get featureSteps(): readonly ForwardStep[] {
    return [this.conv1, this.bn1, this.relu, this.maxpool, this.layer1, this.layer2, this.layer3, this.layer4, this.avgpool, 'flatten'];
  }

  /** Features before the head: [N, 512 * expansion]. */
  forwardFeatures(x: Tensor): Tensor {
    return runSteps(x, this.featureSteps);
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W]. */
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.forwardFeatures(x));
  }
}

/** ResNet-18 (BasicBlock, [2, 2, 2, 2]). @example resnet18({ numClasses: 10 }); */
export const resnet18 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: BasicBlock, layers: [2, 2, 2, 2], name: 'resnet18' }, options);
/** ResNet-34 (BasicBlock, [3, 4, 6, 3]). @example resnet34({ numClasses: 10 }); */
export const resnet34 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: BasicBlock, layers: [3, 4, 6, 3], name: 'resnet34' }, options);
/** ResNet-50 (Bottleneck, [3, 4, 6, 3]). @example resnet50({ numClasses: 10 }); */
export const resnet50 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 6, 3], name: 'resnet50' }, options);
/** ResNet-101 (Bottleneck, [3, 4, 23, 3]). @example resnet101({ numClasses: 10 }); */
export const resnet101 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 23, 3], name: 'resnet101' }, options);
/** ResNet-152 (Bottleneck, [3, 8, 36, 3]). @example resnet152({ numClasses: 10 }); */
export const resnet152 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 8, 36, 3], name: 'resnet152' }, options);
/** Wide ResNet-50-2 (Bottleneck of twice the width). @example wideResnet50_2({ numClasses: 10 }); */
export const wideResnet50_2 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 6, 3], widthPerGroup: 128, name: 'wide_resnet50_2' }, options);
/** ResNeXt-50 32x4d (32 groups of width 4). @example resnext50_32x4d({ numClasses: 10 }); */
export const resnext50_32x4d = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4, name: 'resnext50_32x4d' }, options);
/** ResNeXt-101 32x8d (32 groups of width 8). @example resnext101_32x8d({ numClasses: 10 }); */
export const resnext101_32x8d = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8, name: 'resnext101_32x8d' }, options);
/** ResNeXt-101 64x4d (64 groups of width 4). @example resnext101_64x4d({ numClasses: 10 }); */
export const resnext101_64x4d = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 23, 3], groups: 64, widthPerGroup: 4, name: 'resnext101_64x4d' }, options);
/** Wide ResNet-101-2 (Bottleneck of twice the width). @example wideResnet101_2({ numClasses: 10 }); */
export const wideResnet101_2 = (options: ResNetOptions = {}): ResNet =>
  new ResNet({ block: Bottleneck, layers: [3, 4, 23, 3], widthPerGroup: 128, name: 'wide_resnet101_2' }, options);

/** The factories by torchvision's names, as registered in group 'model'. */
export const resnetFactories = {
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  /** `wideResnet50_2` under torchvision's name. */
  wide_resnet50_2: wideResnet50_2,
  resnext50_32x4d,
  resnext101_32x8d,
  resnext101_64x4d,
  /** `wideResnet101_2` under torchvision's name. */
  wide_resnet101_2: wideResnet101_2,
} as const satisfies Record<string, (options?: ResNetOptions) => ResNet>;

/** The options schema the registry validates model configs with. */
export const resnetOptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    zeroInitResidual: z.boolean().default(false),
    stem: z.enum(['imagenet', 'small']).default('imagenet'),
    inChannels: z.number().int().positive().default(3),
    replaceStrideWithDilation: z.tuple([z.boolean(), z.boolean(), z.boolean()]).optional(),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const [name, factory] of Object.entries(resnetFactories)) {
  register({
    group: 'model',
    name,
    schema: resnetOptionsSchema,
    build: (options: ResNetOptions) => factory(options),
    description: `torchvision's ${name}`,
  });
}
