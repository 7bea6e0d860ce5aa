/**
 * The ConvNeXt family, built exactly as torchvision 0.14 builds it: the same
 * module tree (`features.1.0.block.0.weight`, `features.1.0.layer_scale`,
 * `classifier.2.bias`), construction order and truncated-normal init, so
 * torchvision's weights load strictly and one seed gives its initial weights.
 * `inChannels` (1 for grayscale) changes only the stem conv's input.
 *
 * Liu, Mao, Wu, Feichtenhofer, Darrell, Xie, "A ConvNet for the 2020s", CVPR 2022.
 *
 * @example
 * const model = convnextTiny({ numClasses: 10 });
 * const logits = torch.noGrad(() => model.forward(torch.randn([2, 3, 32, 32]))); // [2, 10]
 */
import { z } from 'zod';
import { ConfigError, ShapeError } from '../errors.js';
import { register } from '../registry.js';
import { mul } from '../torch/ops/math.js';
import { layerNorm } from '../torch/ops/nn-functional.js';
import { ones } from '../torch/ops/creation.js';
import {
  AdaptiveAvgPool2d,
  Conv2d,
  Flatten,
  GELU,
  LayerNorm,
  Linear,
  Module,
  Permute,
  Sequential,
  StochasticDepth,
  chain,
  init,
} from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { Conv2dNormActivation } from './layers/conv-norm-activation.js';
import { registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';

/**
 * LayerNorm over the channels of an NCHW tensor (torchvision's LayerNorm2d):
 * to NHWC, normalise the last dimension, back to NCHW.
 *
 * @example
 * new LayerNorm2d(96, { eps: 1e-6 }).forward(x); // [N, 96, H, W]
 */
export class LayerNorm2d extends LayerNorm {
  override forward(x: Tensor): Tensor {
    return chain(
      x,
      (t) => t.permute([0, 2, 3, 1]),
      (t) => layerNorm(t, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps }),
      (t) => t.permute([0, 3, 1, 2]),
    );
  }
}

/**
 * ConvNeXt's block: depthwise 7x7 conv, LayerNorm over channels (in NHWC),
 * Linear 4x, GELU, Linear back, scaled per channel by `layer_scale`, dropped
 * per sample by stochastic depth, plus the input.
 */
export class CNBlock extends Module {
  declare block: Sequential;
  declare layer_scale: Tensor;
  declare stochastic_depth: StochasticDepth;

  constructor(dim: number, layerScale: number, stochasticDepthProb: number) {
    super();
    this.registerModule(
      'block',
      new Sequential(
        new Conv2d(dim, dim, 7, { padding: 3, groups: dim, bias: true }),
        new Permute([0, 2, 3, 1]),
        new LayerNorm(dim, { eps: 1e-6 }),
        new Linear(dim, 4 * dim),
        new GELU(),
        new Linear(4 * dim, dim),
        new Permute([0, 3, 1, 2]),
      ),
    );
    const scale = ones([dim, 1, 1]);
    this.registerParameter('layer_scale', scale.mul_(layerScale));
    this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row'));
  }

  forward(x: Tensor): Tensor {
    const out = chain(
      x,
      (t) => runSteps(t, [this.block]),
      (t) => mul(this.layer_scale, t),
      (t) => this.stochastic_depth.forward(t),
    );
    return out.add_(x);
  }
}

/** One stage of blocks at `inputChannels`, then a downsampling to `outChannels` (null for the last stage). */
export interface CNBlockConfig {
  inputChannels: number;
  outChannels: number | null;
  numLayers: number;
}

/** Options of every ConvNeXt factory (torchvision's keyword arguments, in camelCase). */
export interface ConvNeXtOptions extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Image channels (3 for RGB, 1 for grayscale). */
  inChannels?: number;
  /** The last block's drop probability; block i of n gets p·i/(n−1) (default per model: 0.1 tiny, 0.4 small, 0.5 base/large). */
  stochasticDepthProb?: number;
  /** Initial value of every block's `layer_scale` (default 1e-6). */
  layerScale?: number;
}

const layerNorm2d = (channels: number): LayerNorm2d => new LayerNorm2d(channels, { eps: 1e-6 });

/** A ConvNeXt: a 4x4 stride-4 stem, four stages of CNBlocks with downsampling between them, pooling and a LayerNorm2d-Linear head. */
export class ConvNeXt extends Module implements Backbone {
  declare features: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;
  readonly numClasses: number;
  /** The smallest side it takes: the 4x stem, then 2x per downsampling (32 for the torchvision models). */
  readonly minImageSize: number;
  readonly modelInfo: { name: string; options: Record<string, unknown> } | null;

  constructor(blockSetting: readonly CNBlockConfig[], options: ConvNeXtOptions & { name?: string } = {}) {
    super();
    const { numClasses = 1000, inChannels = 3, stochasticDepthProb = 0, layerScale = 1e-6 } = options;
    if (blockSetting.length === 0) throw new ConfigError('ConvNeXt: expected a non-empty blockSetting, but got none');
    if (!(stochasticDepthProb >= 0 && stochasticDepthProb <= 1))
      throw new ConfigError(`ConvNeXt: expected stochasticDepthProb in [0, 1], but got ${stochasticDepthProb}`);
    this.numClasses = numClasses;
    this.minImageSize = 4 * 2 ** blockSetting.filter((c) => c.outChannels !== null).length;
    this.modelInfo =
      options.name === undefined ? null : { name: options.name, options: { numClasses, inChannels, stochasticDepthProb, layerScale } };
    const layers: Module[] = [
      new Conv2dNormActivation(inChannels, blockSetting[0].inputChannels, {
        kernelSize: 4,
        stride: 4,
        padding: 0,
        normLayer: layerNorm2d,
        activationLayer: null,
        bias: true,
      }),
    ];
    const totalBlocks = blockSetting.reduce((n, c) => n + c.numLayers, 0);
    let blockId = 0;
    for (const { inputChannels, outChannels, numLayers } of blockSetting) {
      const stage = new Sequential();
      for (let i = 0; i < numLayers; i++, blockId++)
        stage.append(new CNBlock(inputChannels, layerScale, (stochasticDepthProb * blockId) / (totalBlocks - 1.0)));
      layers.push(stage);
      if (outChannels !== null)
        layers.push(new Sequential(layerNorm2d(inputChannels), new Conv2d(inputChannels, outChannels, 2, { stride: 2 })));
    }
    this.registerModule('features', new Sequential(...layers));
    this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    const last = blockSetting.at(-1)!;
    const lastChannels = last.outChannels ?? last.inputChannels;
    this.registerModule('classifier', new Sequential(layerNorm2d(lastChannels), new Flatten(), new Linear(lastChannels, numClasses)));
    for (const m of this.modules()) {
      if (m instanceof Conv2d || m instanceof Linear) {
        init.truncNormal_(m.weight, { std: 0.02 });
        if (m.bias !== null) init.zeros_(m.bias);
      }
    }
    applyPretrained(this, options);
  }

  get camLayer(): CamLayer {
    return { path: `features.${this.features.length - 1}`, layout: 'nchw' };
  }
  /**
   * Head `classifier.2` (the Linear; the head's LayerNorm2d keeps its
   * pretrained values when the class count changes); groups: the stem, the
   * first stage, then each downsampling with the stage after it, the last
   * with the head's norm.
   */
  get layout(): BackboneLayout {
    const n = this.features.length;
    const groups: string[][] = [['features.0'], ['features.1']];
    for (let i = 2; i < n; i += 2) groups.push([`features.${i}`, ...(i + 1 < n ? [`features.${i + 1}`] : [])]);
    groups.at(-1)!.push('classifier.0');
    return { head: ['classifier.2'], stemWeight: 'features.0.0.weight', groups };
  }

  /** The layers before the head's Linear in forward order, read by `forwardFeatures` and by the ONNX writer. */
  get featureSteps(): readonly ForwardStep[] {
    return [...this.features.children(), this.avgpool, this.classifier.at(0), this.classifier.at(1)];
  }

  /** Pooled, normalised features before the head: [N, channels of the last stage]. */
  forwardFeatures(x: Tensor): Tensor {
    // Said here: libtorch would only speak of a 2x2 kernel larger than a downsampling's input.
    const min = this.minImageSize;
    if (x.ndim !== 4 || x.shape[2] < min || x.shape[3] < min)
      throw new ShapeError(
        `ConvNeXt: expected images [N, C, H, W] of ${min}x${min} or more (data.imageSize), but got [${x.shape.join(', ')}]`,
      );
    return runSteps(x, this.featureSteps);
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W] (H, W at least 32). */
  forward(x: Tensor): Tensor {
    return chain(
      x,
      (t) => this.forwardFeatures(t),
      (t) => this.classifier.at(2).forward(t),
    );
  }
}

const stages = (widths: readonly number[], depths: readonly number[]): CNBlockConfig[] =>
  widths.map((w, i) => ({ inputChannels: w, outChannels: widths[i + 1] ?? null, numLayers: depths[i] }));

const architectures = {
  convnext_tiny: { setting: stages([96, 192, 384, 768], [3, 3, 9, 3]), sd: 0.1, resize: 236, file: 'convnext_tiny-983f1562.pth' },
  convnext_small: { setting: stages([96, 192, 384, 768], [3, 3, 27, 3]), sd: 0.4, resize: 230, file: 'convnext_small-0c510722.pth' },
  convnext_base: { setting: stages([128, 256, 512, 1024], [3, 3, 27, 3]), sd: 0.5, resize: 232, file: 'convnext_base-6075fbad.pth' },
  convnext_large: { setting: stages([192, 384, 768, 1536], [3, 3, 27, 3]), sd: 0.5, resize: 232, file: 'convnext_large-ea097f82.pth' },
} as const;

type ConvNeXtName = keyof typeof architectures;
const build =
  (name: ConvNeXtName) =>
  (options: ConvNeXtOptions = {}): ConvNeXt =>
    new ConvNeXt(architectures[name].setting, { stochasticDepthProb: architectures[name].sd, ...options, name });

/** ConvNeXt-T (28.6M parameters). @example convnextTiny({ numClasses: 10, pretrained: 'convnext_tiny.imagenet1k_v1' }); */
export const convnextTiny = build('convnext_tiny');
/** ConvNeXt-S (50.2M parameters). @example convnextSmall({ numClasses: 10 }); */
export const convnextSmall = build('convnext_small');
/** ConvNeXt-B (88.6M parameters). @example convnextBase({ numClasses: 10 }); */
export const convnextBase = build('convnext_base');
/** ConvNeXt-L (197.8M parameters). @example convnextLarge({ numClasses: 10 }); */
export const convnextLarge = build('convnext_large');

/** The factories by torchvision's names, as registered in group 'model'. */
export const convnextFactories = {
  convnext_tiny: convnextTiny,
  convnext_small: convnextSmall,
  convnext_base: convnextBase,
  convnext_large: convnextLarge,
} as const satisfies Record<ConvNeXtName, (options?: ConvNeXtOptions) => ConvNeXt>;

/** The options schema the registry validates ConvNeXt configs with (the drop probability's default is per model). */
export const convnextOptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    inChannels: z.number().int().positive().default(3),
    stochasticDepthProb: z.number().min(0).max(1).optional(),
    layerScale: z.number().positive().default(1e-6),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const [name, factory] of Object.entries(convnextFactories)) {
  register({
    group: 'model',
    name,
    schema: convnextOptionsSchema,
    build: (options: ConvNeXtOptions) => factory(options),
    description: `torchvision's ${name}`,
  });
}

registerPretrainedWeights(
  Object.fromEntries(
    Object.entries(architectures).map(([name, a]) => [`${name}.imagenet1k_v1`, weightsEntry(name, a.file, { resizeSize: a.resize })]),
  ),
);
