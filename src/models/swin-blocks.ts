/**
 * Swin's blocks and patch merging, as torchvision 0.14 builds them.
 * A block is two residual branches over a [B, H, W, C] map; V1 normalises
 * before attention and MLP (pre-norm), V2 after them (res-post-norm). Each
 * block declares its branches once as data (`branches`), which both its
 * forward and the ONNX writer run. Patch merging concatenates each 2x2
 * neighbourhood (padding odd sizes) and projects 4C to 2C; V1 normalises
 * before the projection, V2 after it.
 *
 * @example
 * const block = new SwinTransformerBlock({ dim: 96, numHeads: 3, windowSize: [7, 7], shiftSize: [0, 0] });
 * block.forward(torch.randn([2, 8, 8, 96])); // [2, 8, 8, 96]
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { GELU, LayerNorm, Linear, Module, StochasticDepth, chain, init } from '../torch/nn/index.js';
import { runSteps } from './forward-steps.js';
import { MLP } from './layers/mlp.js';
import { ShiftedWindowAttention, ShiftedWindowAttentionV2 } from './swin-attention.js';
import type { Pair, WindowAttention } from './swin-attention.js';

/** Options of a Swin block (torchvision's arguments, camelCase). */
export interface SwinBlockOptions {
  dim: number;
  numHeads: number;
  windowSize: Pair;
  shiftSize: Pair;
  mlpRatio?: number;
  dropout?: number;
  attentionDropout?: number;
  stochasticDepthProb?: number;
}

/** Swin V1's block: x + sd(attn(norm1(x))), then x + sd(mlp(norm2(x))). */
export class SwinTransformerBlock extends Module {
  declare norm1: LayerNorm;
  declare attn: WindowAttention;
  declare stochastic_depth: StochasticDepth;
  declare norm2: LayerNorm;
  declare mlp: MLP;

  constructor(
    options: SwinBlockOptions,
    attention: typeof ShiftedWindowAttention | typeof ShiftedWindowAttentionV2 = ShiftedWindowAttention,
  ) {
    super();
    const { dim, numHeads, windowSize, shiftSize, mlpRatio = 4, dropout = 0, attentionDropout = 0, stochasticDepthProb = 0 } = options;
    this.registerModule('norm1', new LayerNorm(dim, { eps: 1e-5 }));
    this.registerModule('attn', new attention({ dim, windowSize, shiftSize, numHeads, attentionDropout, dropout }));
    this.registerModule('stochastic_depth', new StochasticDepth(stochasticDepthProb, 'row'));
    this.registerModule('norm2', new LayerNorm(dim, { eps: 1e-5 }));
    this.registerModule('mlp', new MLP(dim, [Math.trunc(dim * mlpRatio), dim], { activationLayer: () => new GELU(), dropout }));
    for (const m of this.mlp.modules()) {
      if (!(m instanceof Linear)) continue;
      init.xavierUniform_(m.weight);
      if (m.bias !== null) init.normal_(m.bias, 0, 1e-6);
    }
  }

  /** The two residual branches in forward order (each then goes through stochastic depth and is added). */
  get branches(): readonly (readonly Module[])[] {
    return [
      [this.norm1, this.attn],
      [this.norm2, this.mlp],
    ];
  }

  forward(x: Tensor): Tensor {
    return chain(
      x,
      ...this.branches.map((branch) => (t: Tensor) => torch.tidy(() => t.add(this.stochastic_depth.forward(runSteps(t, branch))))),
    );
  }
}

/** Swin V2's block: x + sd(norm1(attn(x))), then x + sd(norm2(mlp(x))). */
export class SwinTransformerBlockV2 extends SwinTransformerBlock {
  constructor(options: SwinBlockOptions) {
    super(options, ShiftedWindowAttentionV2);
  }

  override get branches(): readonly (readonly Module[])[] {
    return [
      [this.attn, this.norm1],
      [this.mlp, this.norm2],
    ];
  }
}

/**
 * [..., H, W, C] → [..., ⌈H/2⌉, ⌈W/2⌉, 4C]: torchvision's `_patch_merging_pad` (pad odd sizes, then
 * cat x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]).
 *
 * @example
 * patchMergingPad(torch.randn([1, 7, 7, 96])).shape; // [1, 4, 4, 384]
 */
export function patchMergingPad(x: Tensor): Tensor {
  return torch.tidy(() => {
    const [h, w] = x.shape.slice(-3, -1);
    const padded = h % 2 === 1 || w % 2 === 1 ? torch.pad(x, [0, 0, 0, w % 2, 0, h % 2]) : x;
    const rows = padded.ndim - 3;
    const part = (r: number, c: number): Tensor => padded.slice(rows, r, undefined, 2).slice(rows + 1, c, undefined, 2);
    return torch.cat([part(0, 0), part(1, 0), part(0, 1), part(1, 1)], -1);
  });
}

/** Swin V1's downsampling: merge 2x2, LayerNorm(4C), Linear 4C → 2C without bias. */
export class PatchMerging extends Module {
  declare reduction: Linear;
  declare norm: LayerNorm;
  readonly dim: number;

  constructor(dim: number, normDim = 4 * dim) {
    super();
    this.dim = dim;
    this.registerModule('reduction', new Linear(4 * dim, 2 * dim, { bias: false }));
    this.registerModule('norm', new LayerNorm(normDim, { eps: 1e-5 }));
  }

  /** The layers after the merge, in forward order. */
  get steps(): readonly Module[] {
    return [this.norm, this.reduction];
  }

  forward(x: Tensor): Tensor {
    return chain(x, patchMergingPad, ...this.steps.map((m) => (t: Tensor) => m.forward(t)));
  }
}

/** Swin V2's downsampling: merge 2x2, Linear 4C → 2C without bias, then LayerNorm(2C). */
export class PatchMergingV2 extends PatchMerging {
  constructor(dim: number) {
    super(dim, 2 * dim);
  }

  override get steps(): readonly Module[] {
    return [this.reduction, this.norm];
  }
}
