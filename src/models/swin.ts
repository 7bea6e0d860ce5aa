/**
 * The Swin Transformer family (swin_t/s/b and swin_v2_t/s/b), built exactly
 * as torchvision 0.14 builds it: `features.0` is the patch embedding (4x4
 * stride-4 conv, NCHW → NHWC, LayerNorm), then stages of Swin blocks with
 * patch merging between them, then `norm`, `permute`, `avgpool`, `flatten`
 * and `head`. Names, buffers and the seeded initialisation are torchvision's,
 * so weights load strictly both ways. Any input size works: each window
 * attention pads its map to a multiple of the window (8x8 maps at 32x32 input).
 *
 * Liu et al., "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows", ICCV 2021.
 * Liu et al., "Swin Transformer V2: Scaling Up Capacity and Resolution", CVPR 2022.
 *
 * @example
 * const model = swinT({ numClasses: 10 });
 * const logits = torch.noGrad(() => model.forward(torch.randn([2, 3, 64, 64]))); // [2, 10]
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import type { Tensor } from '../torch/index.js';
import { AdaptiveAvgPool2d, Conv2d, Flatten, LayerNorm, Linear, Module, Permute, Sequential, init } from '../torch/nn/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';
import { registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';
import type { Pair } from './swin-attention.js';
import { PatchMerging, PatchMergingV2, SwinTransformerBlock, SwinTransformerBlockV2 } from './swin-blocks.js';

/** Options every Swin factory takes (torchvision's keyword arguments, camelCase). */
export interface SwinOptions extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Image channels (3 for RGB; 1 gets pretrained RGB weights summed). */
  inChannels?: number;
  /**
   * Dropout after the attention projection and in the MLPs (default 0). Like every dropout here it
   * is the identity in eval; torchvision 0.14's attention calls F.dropout with training=True and so
   * also drops in eval when this or `attentionDropout` is above 0.
   */
  dropout?: number;
  /** Dropout on the attention weights (default 0). */
  attentionDropout?: number;
  /** The last block's stochastic depth rate, growing linearly from 0 (default per model: 0.2 / 0.3 / 0.5). */
  stochasticDepthProb?: number;
}

/** The architecture-defining arguments, set by each factory. */
export interface SwinArchitecture {
  name: string;
  embedDim: number;
  depths: readonly number[];
  numHeads: readonly number[];
  windowSize: Pair;
  stochasticDepthProb: number;
  version: 1 | 2;
  patchSize?: Pair;
  mlpRatio?: number;
}

/** A Swin Transformer: patch embedding, stages of shifted-window blocks, LayerNorm, pooling and a linear head. */
export class SwinTransformer extends Module implements Backbone {
  declare features: Sequential;
  declare norm: LayerNorm;
  declare permute: Permute;
  declare avgpool: AdaptiveAvgPool2d;
  declare flatten: Flatten;
  declare head: Linear;
  readonly numClasses: number;
  readonly inChannels: number;
  readonly architecture: SwinArchitecture;
  /** The registry name and the options that rebuild this architecture (without weights). */
  readonly modelInfo: { name: string; options: Record<string, unknown> };

  constructor(architecture: SwinArchitecture, options: SwinOptions = {}) {
    super();
    const { numClasses = 1000, inChannels = 3, dropout = 0, attentionDropout = 0 } = options;
    const stochasticDepthProb = options.stochasticDepthProb ?? architecture.stochasticDepthProb;
    const { embedDim, depths, numHeads, windowSize, patchSize = [4, 4], mlpRatio = 4, version } = architecture;
    if (depths.length !== numHeads.length)
      throw new ConfigError(`SwinTransformer: expected one numHeads per stage (${depths.length}), but got ${numHeads.length}`);
    this.numClasses = numClasses;
    this.inChannels = inChannels;
    this.architecture = architecture;
    this.modelInfo = { name: architecture.name, options: { numClasses, inChannels, dropout, attentionDropout, stochasticDepthProb } };
    const layers: Module[] = [
      new Sequential(
        new Conv2d(inChannels, embedDim, [patchSize[0], patchSize[1]], { stride: [patchSize[0], patchSize[1]] }),
        new Permute([0, 2, 3, 1]),
        new LayerNorm(embedDim, { eps: 1e-5 }),
      ),
    ];
    const totalBlocks = depths.reduce((a, b) => a + b, 0);
    const Block = version === 2 ? SwinTransformerBlockV2 : SwinTransformerBlock;
    let blockId = 0;
    depths.forEach((depth, stage) => {
      const dim = embedDim * 2 ** stage;
      const blocks = Array.from({ length: depth }, (_, i) => {
        const shiftSize: Pair = i % 2 === 0 ? [0, 0] : [Math.floor(windowSize[0] / 2), Math.floor(windowSize[1] / 2)];
        const sdProb = (stochasticDepthProb * blockId++) / (totalBlocks - 1);
        return new Block({
          dim,
          numHeads: numHeads[stage],
          windowSize,
          shiftSize,
          mlpRatio,
          dropout,
          attentionDropout,
          stochasticDepthProb: sdProb,
        });
      });
      layers.push(new Sequential(...blocks));
      if (stage < depths.length - 1) layers.push(version === 2 ? new PatchMergingV2(dim) : new PatchMerging(dim));
    });
    const numFeatures = embedDim * 2 ** (depths.length - 1);
    this.registerModule('features', new Sequential(...layers));
    this.registerModule('norm', new LayerNorm(numFeatures, { eps: 1e-5 }));
    this.registerModule('permute', new Permute([0, 3, 1, 2]));
    this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.registerModule('flatten', new Flatten({ startDim: 1 }));
    this.registerModule('head', new Linear(numFeatures, numClasses));
    for (const m of this.modules()) {
      if (!(m instanceof Linear)) continue;
      init.truncNormal_(m.weight, { std: 0.02 });
      if (m.bias !== null) init.zeros_(m.bias);
    }
    applyPretrained(this, options);
  }

  readonly camLayer: CamLayer = { path: 'norm', layout: 'nhwc' };
  /** Head `head`; groups: the patch embedding, then one per block (a patch merging joins the block after it; `norm` the last). */
  get layout(): BackboneLayout {
    const groups: string[][] = [['features.0']];
    let pending: string[] = [];
    [...this.features.namedChildren()].slice(1).forEach(([name, child]) => {
      if (child instanceof PatchMerging) pending.push(`features.${name}`);
      else
        for (const [index] of child.namedChildren()) {
          groups.push([...pending, `features.${name}.${index}`]);
          pending = [];
        }
    });
    groups[groups.length - 1].push('norm');
    return { head: ['head'], stemWeight: 'features.0.0.weight', groups };
  }

  /**
   * The layers before the head in forward order, each stage block by block, so `runSteps` releases
   * every block's output as soon as the next block has read it.
   */
  get featureSteps(): readonly ForwardStep[] {
    const features = [...this.features.children()].flatMap((child, i) =>
      i > 0 && child instanceof Sequential ? [...child.children()] : [child],
    );
    return [...features, this.norm, this.permute, this.avgpool, this.flatten];
  }

  /** Pooled features before the head: [N, numFeatures]. */
  forwardFeatures(x: Tensor): Tensor {
    return runSteps(x, this.featureSteps);
  }

  /** Logits [N, numClasses] for images [N, inChannels, H, W]. */
  forward(x: Tensor): Tensor {
    const features = this.forwardFeatures(x);
    const logits = this.head.forward(features);
    features.dispose();
    return logits;
  }
}

const v1 = { windowSize: [7, 7], version: 1 } as const;
const v2 = { windowSize: [8, 8], version: 2 } as const;
const tiny = { embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24], stochasticDepthProb: 0.2 } as const;
const small = { embedDim: 96, depths: [2, 2, 18, 2], numHeads: [3, 6, 12, 24], stochasticDepthProb: 0.3 } as const;
const base = { embedDim: 128, depths: [2, 2, 18, 2], numHeads: [4, 8, 16, 32], stochasticDepthProb: 0.5 } as const;

/** Swin-T (96, [2, 2, 6, 2], window 7). @example swinT({ numClasses: 10 }); */
export const swinT = (options: SwinOptions = {}): SwinTransformer => new SwinTransformer({ name: 'swin_t', ...tiny, ...v1 }, options);
/** Swin-S (96, [2, 2, 18, 2], window 7). @example swinS({ numClasses: 10 }); */
export const swinS = (options: SwinOptions = {}): SwinTransformer => new SwinTransformer({ name: 'swin_s', ...small, ...v1 }, options);
/** Swin-B (128, [2, 2, 18, 2], window 7). @example swinB({ numClasses: 10 }); */
export const swinB = (options: SwinOptions = {}): SwinTransformer => new SwinTransformer({ name: 'swin_b', ...base, ...v1 }, options);
/** Swin V2-T (96, [2, 2, 6, 2], window 8). @example swinV2T({ numClasses: 10 }); */
export const swinV2T = (options: SwinOptions = {}): SwinTransformer => new SwinTransformer({ name: 'swin_v2_t', ...tiny, ...v2 }, options);
/** Swin V2-S (96, [2, 2, 18, 2], window 8). @example swinV2S({ numClasses: 10 }); */
export const swinV2S = (options: SwinOptions = {}): SwinTransformer => new SwinTransformer({ name: 'swin_v2_s', ...small, ...v2 }, options);
/** Swin V2-B (128, [2, 2, 18, 2], window 8). @example swinV2B({ numClasses: 10 }); */
export const swinV2B = (options: SwinOptions = {}): SwinTransformer => new SwinTransformer({ name: 'swin_v2_b', ...base, ...v2 }, options);

/** The factories by torchvision's names, as registered in group 'model'. */
export const swinFactories = {
  swin_t: swinT,
  swin_s: swinS,
  swin_b: swinB,
  swin_v2_t: swinV2T,
  swin_v2_s: swinV2S,
  swin_v2_b: swinV2B,
} as const satisfies Record<string, (options?: SwinOptions) => SwinTransformer>;

/** The options schema the registry validates Swin configs with. */
export const swinOptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    inChannels: z.number().int().positive().default(3),
    dropout: z.number().min(0).max(1).default(0),
    attentionDropout: z.number().min(0).max(1).default(0),
    stochasticDepthProb: z.number().min(0).max(1).optional(),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const [name, factory] of Object.entries(swinFactories)) {
  register({
    group: 'model',
    name,
    schema: swinOptionsSchema,
    build: (options: SwinOptions) => factory(options),
    description: `torchvision's ${name}`,
  });
}

const bicubic = (resizeSize: number, cropSize: number) => ({ resizeSize, cropSize, interpolation: 'bicubic' }) as const;
registerPretrainedWeights({
  'swin_t.imagenet1k_v1': weightsEntry('swin_t', 'swin_t-704ceda3.pth', bicubic(232, 224)),
  'swin_s.imagenet1k_v1': weightsEntry('swin_s', 'swin_s-5e29d889.pth', bicubic(246, 224)),
  'swin_b.imagenet1k_v1': weightsEntry('swin_b', 'swin_b-68c6b09e.pth', bicubic(238, 224)),
  'swin_v2_t.imagenet1k_v1': weightsEntry('swin_v2_t', 'swin_v2_t-b137f0e2.pth', bicubic(260, 256)),
  'swin_v2_s.imagenet1k_v1': weightsEntry('swin_v2_s', 'swin_v2_s-637d8ceb.pth', bicubic(260, 256)),
  'swin_v2_b.imagenet1k_v1': weightsEntry('swin_v2_b', 'swin_v2_b-781e5279.pth', bicubic(272, 256)),
});
