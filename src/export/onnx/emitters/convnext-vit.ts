/**
 * ONNX emitters for ConvNeXt and the Vision Transformer, each following the
 * module's `forward` in evaluation mode (stochastic depth and dropout are the
 * identity there). The Linear layers inside the blocks read NHWC images or
 * [N, L, E] tokens, so they become MatMul with the transposed weight plus
 * Add, which broadcast over leading dimensions (Gemm takes 2-D input only).
 * Reshapes use 0 ("this dimension as it is") so the batch stays dynamic.
 *
 * - LayerNorm2d: Transpose to NHWC, LayerNormalization, Transpose back.
 * - CNBlock: its `block` layers, Mul by `layer_scale`, Add the input.
 * - ConvNeXt: features, avgpool, classifier.
 * - MultiheadAttention: packed projection, Reshape [0, 0, 3, H, d] and
 *   Transpose to [3, N, H, L, d], Gather q, k, v, Div q by √d, MatMul with kᵀ,
 *   Softmax, MatMul with v, Transpose and Reshape [0, 0, E], out_proj.
 * - EncoderBlock: x + attention(ln_1(x)), then + mlp(ln_2(·)).
 * - Encoder: + pos_embedding, the blocks, ln.
 * - VisionTransformer: conv_proj, Reshape [0, E, -1], Transpose to tokens,
 *   the class token expanded to the batch and concatenated first, the encoder,
 *   Gather of token 0, heads.
 *
 * @example
 * const table = new Map(convnextVitEmitters);
 */
import { CNBlock, ConvNeXt, LayerNorm2d } from '../../../models/convnext.js';
import { Encoder, EncoderBlock, MLPBlock, VisionTransformer } from '../../../models/vision-transformer.js';
import * as torch from '../../../torch/index.js';
import { Linear, MultiheadAttention } from '../../../torch/nn/index.js';
import type { Module } from '../../../torch/nn/index.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { EmitContext, ModuleClass, OnnxEmitter } from '../emit-context.js';
import { float, int, ints } from '../graph-builder.js';

/** `linear` applied to the last dimension of `x` of any rank: MatMul(x, Wᵀ) + b, under child `name`. */
function matmulLinear(linear: Linear, x: string, ctx: EmitContext, name: string): string {
  const path = ctx.childPath(name);
  const transposed = torch.tidy(() => linear.weight.detach().transpose(0, 1).contiguous().to({ dtype: 'float32' }).data() as Float32Array);
  const weight = ctx.graph.addInitializer(`${path}.weight_t`, transposed, [linear.inFeatures, linear.outFeatures]);
  const product = ctx.graph.addNode('MatMul', [x, weight], `${path}.matmul`);
  return linear.bias === null ? product : ctx.graph.addNode('Add', [product, ctx.initializer(linear.bias, `${name}.bias`)], path);
}

/** The children of `owner` in order under `prefix`, Linear layers as `matmulLinear`. */
function emitChildren(owner: Module, x: string, ctx: EmitContext, prefix = ''): string {
  let out = x;
  for (const [name, child] of owner.namedChildren())
    out = child instanceof Linear ? matmulLinear(child, out, ctx, prefix + name) : ctx.emit(child, prefix + name, out);
  return out;
}

const layerNorm2dEmitter: OnnxEmitter<LayerNorm2d> = (norm, x, ctx) => {
  const g = ctx.graph;
  const nhwc = g.addNode('Transpose', [x], ctx.valueName('nhwc'), [ints('perm', [0, 2, 3, 1])]);
  const inputs = [nhwc, ctx.initializer(norm.weight!, 'weight')];
  if (norm.bias !== null) inputs.push(ctx.initializer(norm.bias, 'bias'));
  const normed = g.addNode('LayerNormalization', inputs, ctx.valueName('norm'), [int('axis', -1), float('epsilon', norm.eps)]);
  return g.addNode('Transpose', [normed], ctx.valueName(), [ints('perm', [0, 3, 1, 2])]);
};

const cnBlockEmitter: OnnxEmitter<CNBlock> = (block, x, ctx) => {
  ctx.expectChildren(block, ['block', 'stochastic_depth']);
  const branch = emitChildren(block.block, x, ctx, 'block.');
  const scaled = ctx.graph.addNode('Mul', [branch, ctx.initializer(block.layer_scale, 'layer_scale')], ctx.valueName('scaled'));
  return ctx.graph.addNode('Add', [ctx.emit(block.stochastic_depth, 'stochastic_depth', scaled), x], ctx.valueName());
};

const convnextEmitter: OnnxEmitter<ConvNeXt> = (model, x, ctx) => {
  ctx.expectChildren(model, ['features', 'avgpool', 'classifier']);
  const features = ctx.emit(model.features, 'features', x);
  return ctx.emit(model.classifier, 'classifier', ctx.emit(model.avgpool, 'avgpool', features));
};

const multiheadAttentionEmitter: OnnxEmitter<MultiheadAttention> = (mha, x, ctx) => {
  const g = ctx.graph;
  const { numHeads: h, headDim: d, embedDim: e } = mha;
  const weight = torch.tidy(() => mha.in_proj_weight.detach().transpose(0, 1).contiguous().to({ dtype: 'float32' }).data() as Float32Array);
  let qkv = g.addNode('MatMul', [x, g.addInitializer(ctx.childPath('in_proj_weight_t'), weight, [e, 3 * e])], ctx.valueName('qkv'));
  if (mha.in_proj_bias !== null)
    qkv = g.addNode('Add', [qkv, ctx.initializer(mha.in_proj_bias, 'in_proj_bias')], ctx.valueName('qkv_bias'));
  const heads = g.addNode('Reshape', [qkv, g.addInt64Initializer(`${ctx.valueName()}.shape_qkv`, [0, 0, 3, h, d])], ctx.valueName('heads'));
  const split = g.addNode('Transpose', [heads], ctx.valueName('split'), [ints('perm', [2, 0, 3, 1, 4])]);
  const [q, k, v] = ['q', 'k', 'v'].map((name, i) =>
    g.addNode('Gather', [split, g.addInt64Initializer(`const.index_${i}`, [i], [])], ctx.valueName(name), [int('axis', 0)]),
  );
  const root = g.addInitializer(ctx.childPath('sqrt_head_dim'), new Float32Array([Math.sqrt(d)]), []);
  const scaled = g.addNode('Div', [q, root], ctx.valueName('q_scaled'));
  const keys = g.addNode('Transpose', [k], ctx.valueName('k_t'), [ints('perm', [0, 1, 3, 2])]);
  const scores = g.addNode('MatMul', [scaled, keys], ctx.valueName('scores'));
  const weights = g.addNode('Softmax', [scores], ctx.valueName('weights'), [int('axis', -1)]);
  const mixed = g.addNode('Transpose', [g.addNode('MatMul', [weights, v], ctx.valueName('mixed'))], ctx.valueName('tokens'), [
    ints('perm', [0, 2, 1, 3]),
  ]);
  const merged = g.addNode('Reshape', [mixed, g.addInt64Initializer(`${ctx.valueName()}.shape_out`, [0, 0, e])], ctx.valueName('merged'));
  return matmulLinear(mha.out_proj, merged, ctx, 'out_proj');
};

const encoderBlockEmitter: OnnxEmitter<EncoderBlock> = (block, x, ctx) => {
  ctx.expectChildren(block, ['ln_1', 'self_attention', 'dropout', 'ln_2', 'mlp']);
  let a = ctx.emit(block.ln_1, 'ln_1', x);
  a = ctx.emit(block.dropout, 'dropout', ctx.emit(block.self_attention, 'self_attention', a));
  const residual = ctx.graph.addNode('Add', [a, x], ctx.valueName('attention'));
  const y = ctx.emit(block.mlp, 'mlp', ctx.emit(block.ln_2, 'ln_2', residual));
  return ctx.graph.addNode('Add', [y, residual], ctx.valueName());
};

const mlpBlockEmitter: OnnxEmitter<MLPBlock> = (mlp, x, ctx) => emitChildren(mlp, x, ctx);

const encoderEmitter: OnnxEmitter<Encoder> = (encoder, x, ctx) => {
  ctx.expectChildren(encoder, ['dropout', 'layers', 'ln']);
  const placed = ctx.graph.addNode('Add', [x, ctx.initializer(encoder.pos_embedding, 'pos_embedding')], ctx.valueName('positions'));
  const blocks = ctx.emit(encoder.layers, 'layers', ctx.emit(encoder.dropout, 'dropout', placed));
  return ctx.emit(encoder.ln, 'ln', blocks);
};

const visionTransformerEmitter: OnnxEmitter<VisionTransformer> = (model, x, ctx) => {
  const g = ctx.graph;
  ctx.expectChildren(model, ['conv_proj', 'encoder', 'heads']);
  const patches = ctx.emit(model.conv_proj, 'conv_proj', x);
  const flat = g.addNode('Reshape', [patches, g.addInt64Initializer('shape.patches', [0, model.hiddenDim, -1])], ctx.valueName('patches'));
  const tokens = g.addNode('Transpose', [flat], ctx.valueName('tokens'), [ints('perm', [0, 2, 1])]);
  // The class token [1, 1, E] expanded to [N, 1, E], N read from the tokens' shape.
  const batch = g.addNode(
    'Slice',
    [
      g.addNode('Shape', [tokens], ctx.valueName('shape')),
      g.addInt64Initializer('const.starts_0', [0]),
      g.addInt64Initializer('const.ends_1', [1]),
    ],
    ctx.valueName('batch'),
  );
  const target = g.addNode('Concat', [batch, g.addInt64Initializer('shape.class_token', [1, model.hiddenDim])], ctx.valueName('target'), [
    int('axis', 0),
  ]);
  const classToken = g.addNode('Expand', [ctx.initializer(model.class_token, 'class_token'), target], ctx.valueName('class_token'));
  const sequence = g.addNode('Concat', [classToken, tokens], ctx.valueName('sequence'), [int('axis', 1)]);
  const encoded = ctx.emit(model.encoder, 'encoder', sequence);
  const first = g.addNode('Gather', [encoded, g.addInt64Initializer('const.index_0', [0], [])], ctx.valueName('class_features'), [
    int('axis', 1),
  ]);
  return ctx.emit(model.heads, 'heads', first);
};

/** The emitters of the ConvNeXt and Vision Transformer modules. */
export const convnextVitEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(LayerNorm2d, layerNorm2dEmitter),
  onnxEmitterEntry(CNBlock, cnBlockEmitter),
  onnxEmitterEntry(ConvNeXt, convnextEmitter),
  onnxEmitterEntry(MultiheadAttention, multiheadAttentionEmitter),
  onnxEmitterEntry(EncoderBlock, encoderBlockEmitter),
  onnxEmitterEntry(MLPBlock, mlpBlockEmitter),
  onnxEmitterEntry(Encoder, encoderEmitter),
  onnxEmitterEntry(VisionTransformer, visionTransformerEmitter),
];
