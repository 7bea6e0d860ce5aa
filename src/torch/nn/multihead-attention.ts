/**
 * `MultiheadAttention` for self-attention on batch-first tokens, with torch's
 * parameter names (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`,
 * `out_proj.bias`), its initialisation (out_proj built first, then Xavier for
 * the packed projection and zero biases: the same draws for one seed) and its
 * maths: packed q/k/v projection, q scaled by 1/√headDim, softmax of q·kᵀ,
 * dropout on the attention weights in training, the weighted sum of v, the
 * output projection. Vision Transformer's encoder blocks use it.
 *
 * Vaswani et al., "Attention Is All You Need", NeurIPS 2017.
 *
 * @example
 * const attention = new MultiheadAttention(768, 12, { dropout: 0.1 });
 * attention.forward(tokens); // [N, L, 768] -> [N, L, 768]
 */
import { tidy } from '../memory.js';
import { empty } from '../ops/creation.js';
import { dropout, linear, matmul, softmax } from '../ops/nn-functional.js';
import type { Tensor } from '../tensor.js';
import { constant_, xavierUniform_ } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/** Options of `MultiheadAttention` (torch's defaults: no dropout, biases on). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights, in training. */
  dropout?: number;
  bias?: boolean;
}

/** Multi-head self-attention over [N, L, embedDim] tokens (torch.nn.MultiheadAttention with batch_first, query = key = value). */
export class MultiheadAttention extends Module {
  declare in_proj_weight: Tensor;
  declare in_proj_bias: Tensor | null;
  declare out_proj: Linear;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(numHeads) || numHeads <= 0 || embedDim % numHeads !== 0)
      throw new TypeError(`MultiheadAttention: expected numHeads dividing embedDim ${embedDim}, but got ${numHeads}`);
    const { dropout: p = 0, bias = true } = options;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`MultiheadAttention: expected dropout in [0, 1], but got ${p}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = p;
    this.registerParameter('in_proj_weight', empty([3 * embedDim, embedDim]));
    this.registerParameter('in_proj_bias', bias ? empty([3 * embedDim]) : null);
    this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias }));
    xavierUniform_(this.in_proj_weight);
    if (this.in_proj_bias !== null) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
  }

  /** Self-attention of `x` [N, L, embedDim]; returns [N, L, embedDim] (torch's output without the attention weights). */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 || x.shape[2] !== this.embedDim)
      throw new TypeError(`MultiheadAttention: expected input [N, L, ${this.embedDim}], but got [${x.shape.join(', ')}]`);
    const [n, l] = x.shape;
    const [h, d] = [this.numHeads, this.headDim];
    return tidy(() => {
      // [N, L, 3E] -> [3, N, H, L, d]: q, k, v per head, as torch's packed projection splits them.
      const qkv = linear(x, this.in_proj_weight, this.in_proj_bias).reshape([n, l, 3, h, d]).permute([2, 0, 3, 1, 4]);
      const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i));
      let weights = softmax(matmul(q.div(Math.sqrt(d)), k.transpose(-2, -1)), -1);
      if (this.training && this.dropout > 0) weights = dropout(weights, this.dropout, true);
      const out = matmul(weights, v).permute([0, 2, 1, 3]).reshape([n, l, this.embedDim]);
      return this.out_proj.forward(out);
    });
  }
}
