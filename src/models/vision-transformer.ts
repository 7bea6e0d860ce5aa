/**
 * The Vision Transformer family, built exactly as torchvision 0.14 builds it:
 * the same module tree (`conv_proj.weight`, `class_token`,
 * `encoder.pos_embedding`, `encoder.layers.encoder_layer_0.self_attention.in_proj_weight`,
 * `heads.head.bias`), construction order and initialisation, so torchvision's
 * weights load strictly and one seed gives its initial weights. `imageSize`
 * fixes the positional embedding's length (torchvision's `image_size`; the
 * SWAG end-to-end weights need 384, 512 or 518, and a known weights id of
 * another size is refused); `inChannels` changes only the patch embedding's input.
 *
 * Dosovitskiy et al., "An Image is Worth 16x16 Words: Transformers for Image
 * Recognition at Scale", ICLR 2021.
 *
 * @example
 * const model = vitB32({ numClasses: 10, imageSize: 64 });
 * const logits = torch.noGrad(() => model.forward(torch.randn([2, 3, 64, 64]))); // [2, 10]
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import { tidy } from '../torch/memory.js';
import { zeros } from '../torch/ops/creation.js';
import { cat } from '../torch/ops/shape.js';
import { Conv2d, Dropout, GELU, LayerNorm, Linear, Module, MultiheadAttention, Sequential, chain, init } from '../torch/nn/index.js';
import type { LoadStateDictResult } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { applyPretrained } from './backbone.js';
import type { Backbone, BackboneLayout, CamLayer, PretrainedOptions } from './backbone.js';
import { runSteps } from './forward-steps.js';
import { MLP } from './layers/mlp.js';
import { pretrainedWeights, registerPretrainedWeights, weightsEntry } from './pretrained-weights.js';

/** The transformer's MLP: Linear, GELU, Dropout, Linear, Dropout; Xavier weights and N(0, 1e-6) biases. */
export class MLPBlock extends MLP {
  constructor(inDim: number, mlpDim: number, dropout: number) {
    super(inDim, [mlpDim, inDim], { activationLayer: () => new GELU(), dropout });
    for (const m of this.modules()) {
      if (m instanceof Linear) {
        init.xavierUniform_(m.weight);
        if (m.bias !== null) init.normal_(m.bias, 0, 1e-6);
      }
    }
  }
}

const layerNorm = (dim: number): LayerNorm => new LayerNorm(dim, { eps: 1e-6 });

/** Pre-norm encoder block: x + dropout(attention(ln_1(x))), then + mlp(ln_2(·)). */
export class EncoderBlock extends Module {
  declare ln_1: LayerNorm;
  declare self_attention: MultiheadAttention;
  declare dropout: Dropout;
  declare ln_2: LayerNorm;
  declare mlp: MLPBlock;

  constructor(options: { numHeads: number; hiddenDim: number; mlpDim: number; dropout: number; attentionDropout: number }) {
    super();
    const { numHeads, hiddenDim, mlpDim, dropout, attentionDropout } = options;
    this.registerModule('ln_1', layerNorm(hiddenDim));
    this.registerModule('self_attention', new MultiheadAttention(hiddenDim, numHeads, { dropout: attentionDropout }));
    this.registerModule('dropout', new Dropout({ p: dropout }));
    this.registerModule('ln_2', layerNorm(hiddenDim));
    this.registerModule('mlp', new MLPBlock(hiddenDim, mlpDim, dropout));
  }

  forward(input: Tensor): Tensor {
    // Out-of-place sums, as torchvision's: under autocast the residual stream keeps the wider dtype.
    const x = chain(
      input,
      (t) => runSteps(t, [this.ln_1, this.self_attention, this.dropout]),
      (t) => t.add(input),
    );
    const out = chain(
      x,
      (t) => runSteps(t, [this.ln_2, this.mlp]),
      (t) => t.add(x),
    );
    x.dispose();
    return out;
  }
}

/** The encoder: + positional embedding, dropout, the blocks (`layers.encoder_layer_<i>`), a final LayerNorm. */
export class Encoder extends Module {
  declare pos_embedding: Tensor;
  declare dropout: Dropout;
  declare layers: Sequential;
  declare ln: LayerNorm;

  constructor(options: {
    seqLength: number;
    numLayers: number;
    numHeads: number;
    hiddenDim: number;
    mlpDim: number;
    dropout: number;
    attentionDropout: number;
  }) {
    super();
    const { seqLength, numLayers, hiddenDim, dropout } = options;
    this.registerParameter('pos_embedding', init.normal_(zeros([1, seqLength, hiddenDim]), 0, 0.02));
    this.registerModule('dropout', new Dropout({ p: dropout }));
    const layers = new Sequential();
    for (let i = 0; i < numLayers; i++) layers.registerModule(`encoder_layer_${i}`, new EncoderBlock(options));
    this.registerModule('layers', layers);
    this.registerModule('ln', layerNorm(hiddenDim));
  }

  forward(input: Tensor): Tensor {
    return chain(
      input,
      (t) => t.add(this.pos_embedding),
      (t) => runSteps(t, [this.dropout, this.layers, this.ln]),
    );
  }
}

/** Options of every ViT factory (torchvision's keyword arguments, in camelCase). */
export interface VisionTransformerOptions extends PretrainedOptions {
  /** Size of the classification head (default 1000). */
  numClasses?: number;
  /** Image channels (3 for RGB, 1 for grayscale). */
  inChannels?: number;
  /** The square input size, a multiple of the patch size (default 224; the SWAG end-to-end weights need 384, 512 or 518). */
  imageSize?: number;
  /** Dropout after the positional embedding, the attention and in the MLPs (default 0). */
  dropout?: number;
  /** Dropout on the attention weights (default 0). */
  attentionDropout?: number;
}

/** The architecture-defining numbers of one ViT. */
export interface VisionTransformerArchitecture {
  patchSize: number;
  numLayers: number;
  numHeads: number;
  hiddenDim: number;
  mlpDim: number;
  /** The registry name ('vit_b_16'), recorded in `modelInfo`. */
  name?: string;
}

/** The MLP's keys before torchvision 0.13 (`mlp.linear_1`), as older weight files hold them. */
const legacyMlpKey = /\.mlp\.linear_([12])\.(weight|bias)$/;

/** A Vision Transformer: patch embedding, class token, encoder, and a linear head on the class token. */
export class VisionTransformer extends Module implements Backbone {
  declare conv_proj: Conv2d;
  declare class_token: Tensor;
  declare encoder: Encoder;
  declare heads: Sequential;
  readonly numClasses: number;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly hiddenDim: number;
  readonly modelInfo: { name: string; options: Record<string, unknown> } | null;

  constructor(architecture: VisionTransformerArchitecture, options: VisionTransformerOptions = {}) {
    super();
    const { patchSize, numLayers, numHeads, hiddenDim, mlpDim } = architecture;
    const { numClasses = 1000, inChannels = 3, imageSize = 224, dropout = 0, attentionDropout = 0 } = options;
    if (!Number.isInteger(imageSize) || imageSize <= 0 || imageSize % patchSize !== 0)
      throw new ConfigError(
        `VisionTransformer: expected imageSize (model.imageSize, by default data.imageSize) a positive multiple of the patch size ${patchSize}, but got ${imageSize}`,
      );
    // Said in the config rather than taken from the id: a resumed run builds the model without its pretrained option.
    const known = options.pretrained === undefined ? undefined : pretrainedWeights[options.pretrained];
    if (known !== undefined && known.transforms.cropSize !== imageSize)
      throw new ConfigError(
        `VisionTransformer: expected imageSize ${known.transforms.cropSize} for the weights ${options.pretrained} (their positional embedding's size), but got ${imageSize}; set model.imageSize=${known.transforms.cropSize}`,
      );
    this.numClasses = numClasses;
    this.imageSize = imageSize;
    this.patchSize = patchSize;
    this.hiddenDim = hiddenDim;
    this.modelInfo =
      architecture.name === undefined
        ? null
        : { name: architecture.name, options: { numClasses, inChannels, imageSize, dropout, attentionDropout } };
    this.registerModule('conv_proj', new Conv2d(inChannels, hiddenDim, patchSize, { stride: patchSize }));
    this.registerParameter('class_token', zeros([1, 1, hiddenDim]));
    const seqLength = (imageSize / patchSize) ** 2 + 1;
    this.registerModule('encoder', new Encoder({ seqLength, numLayers, numHeads, hiddenDim, mlpDim, dropout, attentionDropout }));
    const heads = new Sequential();
    heads.registerModule('head', new Linear(hiddenDim, numClasses));
    this.registerModule('heads', heads);
    init.truncNormal_(this.conv_proj.weight, { std: Math.sqrt(1 / (inChannels * patchSize * patchSize)) });
    init.zeros_(this.conv_proj.bias!);
    const head = heads.at(0) as Linear;
    init.zeros_(head.weight);
    init.zeros_(head.bias!);
    applyPretrained(this, options);
  }

  get camLayer(): CamLayer {
    return { path: `encoder.layers.${[...this.encoder.layers.namedChildren()].at(-1)![0]}.ln_1`, layout: 'tokens' };
  }
  /** Head `heads`; groups: the patch embedding with the class token and positions, then one per encoder block (the last with the final norm). */
  get layout(): BackboneLayout {
    const blocks = [...this.encoder.layers.namedChildren()].map(([name]) => [`encoder.layers.${name}`]);
    blocks.at(-1)!.push('encoder.ln');
    return { head: ['heads'], stemWeight: 'conv_proj.weight', groups: [['conv_proj', 'class_token', 'encoder.pos_embedding'], ...blocks] };
  }

  /** The tokens the encoder reads: the class token, then one per patch, [N, 1 + (imageSize / patchSize)², hiddenDim]. */
  tokens(x: Tensor): Tensor {
    const [n, , h, w] = x.shape;
    if (x.ndim !== 4 || h !== this.imageSize || w !== this.imageSize)
      throw new ConfigError(
        `VisionTransformer: expected images [N, C, ${this.imageSize}, ${this.imageSize}] (the model's imageSize), but got [${x.shape.join(', ')}]`,
      );
    const patches = (this.imageSize / this.patchSize) ** 2;
    return tidy(() => {
      const embedded = this.conv_proj.forward(x).reshape([n, this.hiddenDim, patches]).permute([0, 2, 1]);
      return cat([this.class_token.expand([n, -1, -1]), embedded], 1);
    });
  }

  /** The class token after the encoder: [N, hiddenDim]. */
  forwardFeatures(x: Tensor): Tensor {
    return chain(
      x,
      (t) => this.tokens(t),
      (t) => this.encoder.forward(t),
      (t) => t.select(1, 0),
    );
  }

  /** Logits [N, numClasses] for images [N, inChannels, imageSize, imageSize]. */
  forward(x: Tensor): Tensor {
    return chain(
      x,
      (t) => this.forwardFeatures(t),
      (t) => runSteps(t, [this.heads]),
    );
  }

  /** Also takes the MLP keys of weight files written before torchvision 0.13 (`mlp.linear_1` for `mlp.0`, `mlp.linear_2` for `mlp.3`), as torchvision does. */
  override loadStateDict(record: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const renamed = Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        k.replace(legacyMlpKey, (_m, i: string, kind: string) => `.mlp.${3 * (Number(i) - 1)}.${kind}`),
        v,
      ]),
    );
    return super.loadStateDict(renamed, options);
  }
}

const architectures = {
  vit_b_16: { patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072 },
  vit_b_32: { patchSize: 32, numLayers: 12, numHeads: 12, hiddenDim: 768, mlpDim: 3072 },
  vit_l_16: { patchSize: 16, numLayers: 24, numHeads: 16, hiddenDim: 1024, mlpDim: 4096 },
  vit_l_32: { patchSize: 32, numLayers: 24, numHeads: 16, hiddenDim: 1024, mlpDim: 4096 },
  vit_h_14: { patchSize: 14, numLayers: 32, numHeads: 16, hiddenDim: 1280, mlpDim: 5120 },
} as const;

type VisionTransformerName = keyof typeof architectures;
const build =
  (name: VisionTransformerName) =>
  (options: VisionTransformerOptions = {}): VisionTransformer =>
    new VisionTransformer({ ...architectures[name], name }, options);

/** ViT-B/16 (86.6M parameters). @example vitB16({ numClasses: 10, pretrained: 'vit_b_16.imagenet1k_v1' }); */
export const vitB16 = build('vit_b_16');
/** ViT-B/32 (88.2M parameters). @example vitB32({ numClasses: 10, imageSize: 64 }); */
export const vitB32 = build('vit_b_32');
/** ViT-L/16 (304.3M parameters). @example vitL16({ numClasses: 10 }); */
export const vitL16 = build('vit_l_16');
/** ViT-L/32 (306.5M parameters). @example vitL32({ numClasses: 10 }); */
export const vitL32 = build('vit_l_32');
/** ViT-H/14 (632.0M parameters at 224; its weights are SWAG's, at 518 or 224). @example vitH14({ imageSize: 518, pretrained: 'vit_h_14.imagenet1k_swag_e2e_v1' }); */
export const vitH14 = build('vit_h_14');

/** The factories by torchvision's names, as registered in group 'model'. */
export const visionTransformerFactories = {
  vit_b_16: vitB16,
  vit_b_32: vitB32,
  vit_l_16: vitL16,
  vit_l_32: vitL32,
  vit_h_14: vitH14,
} as const satisfies Record<VisionTransformerName, (options?: VisionTransformerOptions) => VisionTransformer>;

/** The options schema the registry validates ViT configs with. */
export const visionTransformerOptionsSchema = z
  .object({
    numClasses: z.number().int().positive().default(1000),
    inChannels: z.number().int().positive().default(3),
    imageSize: z.number().int().positive().optional(),
    dropout: z.number().min(0).max(1).default(0),
    attentionDropout: z.number().min(0).max(1).default(0),
    pretrained: z.string().min(1).optional(),
    weightsDir: z.string().min(1).optional(),
  })
  .strict();

for (const [name, factory] of Object.entries(visionTransformerFactories)) {
  register({
    group: 'model',
    name,
    schema: visionTransformerOptionsSchema,
    build: (options: VisionTransformerOptions) => factory(options),
    description: `torchvision's ${name}`,
  });
}

const v1 = { cropSize: 224 } as const;
/** SWAG weights: bicubic, resized straight to the crop size (the end-to-end ones at the model's own imageSize). */
const swag = (size: number): { resizeSize: number; cropSize: number; interpolation: 'bicubic' } => ({
  resizeSize: size,
  cropSize: size,
  interpolation: 'bicubic',
});

registerPretrainedWeights({
  'vit_b_16.imagenet1k_v1': weightsEntry('vit_b_16', 'vit_b_16-c867db91.pth', v1),
  'vit_b_16.imagenet1k_swag_e2e_v1': weightsEntry('vit_b_16', 'vit_b_16_swag-9ac1b537.pth', swag(384)),
  'vit_b_16.imagenet1k_swag_linear_v1': weightsEntry('vit_b_16', 'vit_b_16_lc_swag-4e70ced5.pth', swag(224)),
  'vit_b_32.imagenet1k_v1': weightsEntry('vit_b_32', 'vit_b_32-d86f8d99.pth', v1),
  'vit_l_16.imagenet1k_v1': weightsEntry('vit_l_16', 'vit_l_16-852ce7e3.pth', { cropSize: 224, resizeSize: 242 }),
  'vit_l_16.imagenet1k_swag_e2e_v1': weightsEntry('vit_l_16', 'vit_l_16_swag-4f3808c9.pth', swag(512)),
  'vit_l_16.imagenet1k_swag_linear_v1': weightsEntry('vit_l_16', 'vit_l_16_lc_swag-4d563306.pth', swag(224)),
  'vit_l_32.imagenet1k_v1': weightsEntry('vit_l_32', 'vit_l_32-c7638314.pth', v1),
  'vit_h_14.imagenet1k_swag_e2e_v1': weightsEntry('vit_h_14', 'vit_h_14_swag-80465313.pth', swag(518)),
  'vit_h_14.imagenet1k_swag_linear_v1': weightsEntry('vit_h_14', 'vit_h_14_lc_swag-c1eb923e.pth', swag(224)),
});
