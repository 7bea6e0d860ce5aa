/**
 * ONNX emitters for the Swin family, following each module's `forward` in
 * evaluation mode. The window partition depends on the feature map's size,
 * so the model's emitter works the size out from the graph input's [C, H, W]
 * (the patch embedding's stride, then ⌈/2⌉ per patch merging) and hands it
 * to each block; window reshapes use int64 shape constants (the batch stays
 * -1), the cyclic shift is Slice + Concat (ONNX has no Roll) and the shift
 * mask is a constant. Every parameter stays an initializer under its own
 * name (so `moduleFromOnnx` can rebuild the model from the file): the bias
 * table (V2: cpb_mlp applied to the coordinates table) is gathered in the
 * graph by the position index, V2's logit_scale is clamped and exponentiated
 * there. Linear layers on [..., C] maps are MatMul + Add (Gemm is 2-D only).
 *
 * @example
 * const table = new Map(swinEmitters);
 */
import { ShiftedWindowAttentionV2, WindowAttention, shiftedWindowMask, windowGeometry } from '../../../models/swin-attention.js';
import type { Pair, ShiftedWindowAttention } from '../../../models/swin-attention.js';
import { PatchMerging, SwinTransformerBlock } from '../../../models/swin-blocks.js';
import { SwinTransformer } from '../../../models/swin.js';
import * as torch from '../../../torch/index.js';
import type { Tensor } from '../../../torch/index.js';
import { Linear, Sequential } from '../../../torch/nn/index.js';
import type { Module } from '../../../torch/nn/index.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { EmitContext, ModuleClass, OnnxEmitter } from '../emit-context.js';
import { int, ints } from '../graph-builder.js';

/** The [H, W] of the map each block and patch merging reads, set by the model's emitter. */
const mapSizes = new WeakMap<Module, Pair>();

function mapSize(module: Module, ctx: EmitContext): Pair {
  const size = mapSizes.get(module);
  if (size === undefined) throw ctx.unsupported(module, 'a Swin block exported inside its SwinTransformer', 'a block on its own');
  return size;
}

/** A constant of `tensor`'s values (computed here, not a parameter), named under this module. */
function constant(ctx: EmitContext, name: string, tensor: Tensor): string {
  const data = torch.tidy(() => tensor.detach().to({ dtype: 'float32' }).contiguous().data() as Float32Array);
  return ctx.graph.addInitializer(ctx.childPath(name), data, tensor.shape);
}

const reshape = (ctx: EmitContext, x: string, shape: readonly number[], name: string): string =>
  ctx.graph.addNode('Reshape', [x, ctx.graph.addInt64Initializer(`shape.${shape.join('_')}`, shape)], ctx.valueName(name));

const transpose = (ctx: EmitContext, x: string, perm: readonly number[], name: string): string =>
  ctx.graph.addNode('Transpose', [x], ctx.valueName(name), [ints('perm', perm)]);

function slice(ctx: EmitContext, x: string, axis: number, start: number, end: number, name: string): string {
  const g = ctx.graph;
  const inputs = [
    x,
    g.addInt64Initializer(`slice.${start}`, [start]),
    g.addInt64Initializer(`slice.${end}`, [end]),
    g.addInt64Initializer(`axis.${axis}`, [axis]),
  ];
  return g.addNode('Slice', inputs, ctx.valueName(name));
}

/** torch.roll(x, shift, axis) on a dimension of `size`: the last `shift` elements move to the front. */
function roll(ctx: EmitContext, x: string, shift: number, axis: number, size: number, name: string): string {
  const s = ((shift % size) + size) % size;
  if (s === 0) return x;
  const tail = slice(ctx, x, axis, size - s, size, `${name}.tail`);
  const head = slice(ctx, x, axis, 0, size - s, `${name}.head`);
  return ctx.graph.addNode('Concat', [tail, head], ctx.valueName(name), [int('axis', axis)]);
}

/** Linear on [..., in]: MatMul by the transposed weight, then the bias (`weight` / `bias` override the module's). */
function linearNd(ctx: EmitContext, linear: Linear, name: string, x: string, bias: string | null = null): string {
  const g = ctx.graph;
  const weight = transpose(ctx, ctx.initializer(linear.weight, `${name}.weight`), [1, 0], `${name}.weight_t`);
  const product = g.addNode('MatMul', [x, weight], ctx.valueName(`${name}.matmul`));
  const b = bias ?? (linear.bias === null ? null : ctx.initializer(linear.bias, `${name}.bias`));
  return b === null ? product : g.addNode('Add', [product, b], ctx.valueName(name));
}

/** A child run on [..., C]: a Linear as `linearNd`, a Sequential (the MLP) child by child, any other by its emitter. */
function emitNd(ctx: EmitContext, child: Module, name: string, x: string): string {
  if (child instanceof Linear) return linearNd(ctx, child, name, x);
  if (child instanceof Sequential) return [...child.namedChildren()].reduce((v, [n, c]) => emitNd(ctx, c, `${name}.${n}`, v), x);
  return ctx.emit(child, name, x);
}

/** q, k, v [windows, heads, T, d] from the window tokens [windows, T, C]; V2 multiplies its key bias by 0, as its forward does. */
function queryKeyValue(attn: WindowAttention, ctx: EmitContext, x: string, tokens: number): string[] {
  const g = ctx.graph;
  const c = attn.qkv.inFeatures;
  let bias: string | null = null;
  if (attn instanceof ShiftedWindowAttentionV2 && attn.qkv.bias !== null) {
    const keep = torch.tidy(() => torch.cat([torch.ones([c]), torch.zeros([c]), torch.ones([c])]));
    bias = g.addNode(
      'Mul',
      [ctx.initializer(attn.qkv.bias, 'qkv.bias'), constant(ctx, 'qkv.key_bias_mask', keep)],
      ctx.valueName('qkv.bias_used'),
    );
    keep.dispose();
  }
  const split = reshape(ctx, linearNd(ctx, attn.qkv, 'qkv', x, bias), [-1, tokens, 3, attn.numHeads, c / attn.numHeads], 'qkv_split');
  const qkv = transpose(ctx, split, [2, 0, 3, 1, 4], 'qkv_t');
  return [0, 1, 2].map((i) =>
    g.addNode('Gather', [qkv, g.addInt64Initializer(`index.${i}`, [i], [])], ctx.valueName(['q', 'k', 'v'][i]), [int('axis', 0)]),
  );
}

/** V1: (q · d^-0.5) kᵀ; V2: cosine similarity times exp(min(logit_scale, log 100)). */
function attentionLogits(attn: WindowAttention, ctx: EmitContext, q: string, k: string): string {
  const g = ctx.graph;
  if (!(attn instanceof ShiftedWindowAttentionV2)) {
    const scale = torch.tensor([(attn.qkv.inFeatures / attn.numHeads) ** -0.5]);
    const scaled = g.addNode('Mul', [q, constant(ctx, 'scale', scale)], ctx.valueName('q_scaled'));
    scale.dispose();
    return g.addNode('MatMul', [scaled, transpose(ctx, k, [0, 1, 3, 2], 'k_t')], ctx.valueName('logits'));
  }
  const scalar = (name: string, value: number): string => {
    const t = torch.tensor([value]);
    const out = constant(ctx, name, t);
    t.dispose();
    return out;
  };
  const normalize = (t: string, name: string): string => {
    const norm = g.addNode('ReduceL2', [t], ctx.valueName(`${name}.norm`), [ints('axes', [-1]), int('keepdims', 1)]);
    const clamped = g.addNode('Max', [norm, scalar('eps', 1e-12)], ctx.valueName(`${name}.clamp`));
    return g.addNode('Div', [t, clamped], ctx.valueName(`${name}.unit`));
  };
  const cosine = g.addNode('MatMul', [normalize(q, 'q'), transpose(ctx, normalize(k, 'k'), [0, 1, 3, 2], 'k_t')], ctx.valueName('cosine'));
  const clamped = g.addNode(
    'Min',
    [ctx.initializer(attn.logit_scale, 'logit_scale'), scalar('log_100', Math.log(100))],
    ctx.valueName('logit_scale.clamp'),
  );
  return g.addNode('Mul', [cosine, g.addNode('Exp', [clamped], ctx.valueName('logit_scale.exp'))], ctx.valueName('logits'));
}

/** [1, heads, T, T]: the bias table (V2: cpb_mlp of the coordinates table, then 16·sigmoid) gathered by the position index. */
function relativePositionBias(attn: WindowAttention, ctx: EmitContext): string {
  const g = ctx.graph;
  const tokens = attn.windowSize[0] * attn.windowSize[1];
  const v2 = attn instanceof ShiftedWindowAttentionV2;
  const table = v2
    ? reshape(
        ctx,
        emitNd(ctx, attn.cpb_mlp, 'cpb_mlp', ctx.initializer(attn.relative_coords_table, 'relative_coords_table')),
        [-1, attn.numHeads],
        'cpb_table',
      )
    : ctx.initializer((attn as ShiftedWindowAttention).relative_position_bias_table, 'relative_position_bias_table');
  const indices = Array.from(attn.relative_position_index.data() as BigInt64Array, Number);
  const index = g.addInt64Initializer(ctx.childPath('relative_position_index'), indices);
  const rows = g.addNode('Gather', [table, index], ctx.valueName('bias_rows'), [int('axis', 0)]);
  const bias = transpose(ctx, reshape(ctx, rows, [tokens, tokens, attn.numHeads], 'bias_pairs'), [2, 0, 1], 'bias_heads');
  const shaped = reshape(ctx, bias, [1, attn.numHeads, tokens, tokens], 'relative_position_bias');
  if (!v2) return shaped;
  const sixteen = torch.tensor([16]);
  const out = g.addNode(
    'Mul',
    [g.addNode('Sigmoid', [shaped], ctx.valueName('bias_sigmoid')), constant(ctx, 'bias_scale', sixteen)],
    ctx.valueName('bias_scaled'),
  );
  sixteen.dispose();
  return out;
}

const attentionEmitter: OnnxEmitter<WindowAttention> = (attn, x, ctx) => {
  ctx.expectChildren(attn, ['qkv', 'proj', 'cpb_mlp']);
  const g = ctx.graph;
  const [h, w] = mapSize(attn, ctx);
  const [wh, ww] = attn.windowSize;
  const geometry = windowGeometry(h, w, attn.windowSize, attn.shiftSize);
  const { padH, padW, shift } = geometry;
  const c = attn.qkv.inFeatures;
  const [heads, tokens, numWindows] = [attn.numHeads, wh * ww, (padH / wh) * (padW / ww)];
  let v = x;
  if (padH > h || padW > w)
    v = g.addNode('Pad', [v, g.addInt64Initializer('pads', [0, 0, 0, 0, 0, padH - h, padW - w, 0])], ctx.valueName('pad'));
  v = roll(ctx, roll(ctx, v, -shift[0], 1, padH, 'shift_h'), -shift[1], 2, padW, 'shift_w');
  v = reshape(ctx, v, [-1, padH / wh, wh, padW / ww, ww, c], 'windows');
  v = reshape(ctx, transpose(ctx, v, [0, 1, 3, 2, 4, 5], 'windows_t'), [-1, tokens, c], 'tokens');
  const [q, k, val] = queryKeyValue(attn, ctx, v, tokens);
  let scores = g.addNode('Add', [attentionLogits(attn, ctx, q, k), relativePositionBias(attn, ctx)], ctx.valueName('biased'));
  if (shift[0] + shift[1] > 0) {
    const values = torch.tensor(shiftedWindowMask(geometry, attn.windowSize), { shape: [1, numWindows, 1, tokens, tokens] });
    const mask = constant(ctx, 'mask', values);
    values.dispose();
    const masked = g.addNode(
      'Add',
      [reshape(ctx, scores, [-1, numWindows, heads, tokens, tokens], 'per_image'), mask],
      ctx.valueName('masked'),
    );
    scores = reshape(ctx, masked, [-1, heads, tokens, tokens], 'masked_flat');
  }
  const probs = g.addNode('Softmax', [scores], ctx.valueName('softmax'), [int('axis', -1)]);
  v = g.addNode('MatMul', [probs, val], ctx.valueName('context'));
  v = reshape(ctx, transpose(ctx, v, [0, 2, 1, 3], 'context_t'), [-1, tokens, c], 'merged');
  v = linearNd(ctx, attn.proj, 'proj', v);
  v = reshape(ctx, v, [-1, padH / wh, padW / ww, wh, ww, c], 'unwindows');
  v = reshape(ctx, transpose(ctx, v, [0, 1, 3, 2, 4, 5], 'unwindows_t'), [-1, padH, padW, c], 'map');
  v = roll(ctx, roll(ctx, v, shift[0], 1, padH, 'unshift_h'), shift[1], 2, padW, 'unshift_w');
  if (padH > h) v = slice(ctx, v, 1, 0, h, 'crop_h');
  if (padW > w) v = slice(ctx, v, 2, 0, w, 'crop_w');
  return v;
};

const blockEmitter: OnnxEmitter<SwinTransformerBlock> = (block, x, ctx) => {
  ctx.expectChildren(block, ['norm1', 'attn', 'stochastic_depth', 'norm2', 'mlp']);
  const names = new Map([...block.namedChildren()].map(([name, child]) => [child, name]));
  mapSizes.set(block.attn, mapSize(block, ctx));
  return block.branches.reduce((input, branch) => {
    const out = branch.reduce((v, layer) => emitNd(ctx, layer, names.get(layer)!, v), input);
    return ctx.graph.addNode('Add', [input, out], ctx.valueName(`add_${names.get(branch[0])!}`));
  }, x);
};

const patchMergingEmitter: OnnxEmitter<PatchMerging> = (merging, x, ctx) => {
  ctx.expectChildren(merging, ['reduction', 'norm']);
  const [h, w] = mapSize(merging, ctx);
  const g = ctx.graph;
  let v = x;
  if (h % 2 === 1 || w % 2 === 1)
    v = g.addNode('Pad', [v, g.addInt64Initializer('pads', [0, 0, 0, 0, 0, h % 2, w % 2, 0])], ctx.valueName('pad'));
  const [ph, pw] = [h + (h % 2), w + (w % 2)];
  const part = (r: number, col: number): string => {
    const inputs = [
      v,
      g.addInt64Initializer(`starts.${r}_${col}`, [r, col]),
      g.addInt64Initializer(`ends.${ph}_${pw}`, [ph, pw]),
      g.addInt64Initializer('axes.1_2', [1, 2]),
      g.addInt64Initializer('steps.2_2', [2, 2]),
    ];
    return g.addNode('Slice', inputs, ctx.valueName(`part_${r}${col}`));
  };
  v = g.addNode('Concat', [part(0, 0), part(1, 0), part(0, 1), part(1, 1)], ctx.valueName('merged'), [int('axis', -1)]);
  const names = new Map([...merging.namedChildren()].map(([name, child]) => [child, name]));
  return merging.steps.reduce((value, layer) => emitNd(ctx, layer, names.get(layer)!, value), v);
};

/** Emits the model's `featureSteps` (its forward order), handing each block and merging its map size, then the head. */
const swinEmitter: OnnxEmitter<SwinTransformer> = (model, x, ctx) => {
  ctx.expectChildren(model, ['features', 'norm', 'permute', 'avgpool', 'flatten', 'head']);
  const inputShape = ctx.options.inputShape;
  if (inputShape === undefined) throw ctx.unsupported(model, "the graph input's [C, H, W] in the emit options", 'none');
  const patch = model.architecture.patchSize ?? [4, 4];
  let size: Pair = [Math.floor(inputShape[1] / patch[0]), Math.floor(inputShape[2] / patch[1])];
  const paths = new Map([...model.namedModules()].map(([name, m]) => [m, name]));
  let v = x;
  for (const step of model.featureSteps) {
    if (step === 'flatten') {
      v = ctx.graph.addNode('Flatten', [v], ctx.valueName('flatten'), [int('axis', 1)]);
      continue;
    }
    if (step instanceof SwinTransformerBlock || step instanceof PatchMerging) mapSizes.set(step, size);
    v = ctx.emit(step, paths.get(step)!, v);
    if (step instanceof PatchMerging) size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
  }
  return ctx.emit(model.head, 'head', v);
};

/** The emitters of the Swin family's modules. */
export const swinEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(WindowAttention, attentionEmitter),
  onnxEmitterEntry(SwinTransformerBlock, blockEmitter),
  onnxEmitterEntry(PatchMerging, patchMergingEmitter),
  onnxEmitterEntry(SwinTransformer, swinEmitter),
];
