/**
 * ONNX emitters for the model zoo's shared layers, each following the
 * layer's `forward` in evaluation mode: GELU → 0.5·x·(1 + Erf(x/√2)) (or the
 * tanh form), SiLU → x·Sigmoid(x), Hardswish → HardSwish, Hardsigmoid →
 * HardSigmoid(1/6, 1/2), Sigmoid → Sigmoid, LayerNorm → LayerNormalization
 * over its trailing axes, Permute → Transpose, StochasticDepth (the identity
 * in eval) → nothing, SqueezeExcitation → its scale branch, then Mul.
 *
 * @example
 * const table = new Map(zooLayerEmitters);
 */
import { SqueezeExcitation } from '../../../models/layers/squeeze-excitation.js';
import { GELU, Hardsigmoid, Hardswish, LayerNorm, Permute, SiLU, Sigmoid, StochasticDepth } from '../../../torch/nn/index.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { EmitContext, ModuleClass, OnnxEmitter } from '../emit-context.js';
import { float, int, ints } from '../graph-builder.js';

/** A scalar fp32 constant, shared by name across the graph. */
function scalar(ctx: EmitContext, name: string, value: number): string {
  if (!ctx.graph.initializers.has(name)) ctx.graph.addInitializer(name, new Float32Array([value]), []);
  return name;
}

const geluEmitter: OnnxEmitter<GELU> = (gelu, x, ctx) => {
  const g = ctx.graph;
  const half = g.addNode('Mul', [x, scalar(ctx, 'const.half', 0.5)], ctx.valueName('half'));
  let inner: string;
  if (gelu.approximate === 'tanh') {
    // tanh(√(2/π)·(x + 0.044715·x³))
    const cube = g.addNode('Mul', [g.addNode('Mul', [x, x], ctx.valueName('sq')), x], ctx.valueName('cube'));
    const sum = g.addNode(
      'Add',
      [x, g.addNode('Mul', [cube, scalar(ctx, 'const.gelu_c', 0.044715)], ctx.valueName('c'))],
      ctx.valueName('sum'),
    );
    inner = g.addNode(
      'Tanh',
      [g.addNode('Mul', [sum, scalar(ctx, 'const.sqrt_2_over_pi', Math.sqrt(2 / Math.PI))], ctx.valueName('s'))],
      ctx.valueName('tanh'),
    );
  } else {
    inner = g.addNode(
      'Erf',
      [g.addNode('Mul', [x, scalar(ctx, 'const.rsqrt2', Math.SQRT1_2)], ctx.valueName('scaled'))],
      ctx.valueName('erf'),
    );
  }
  const onePlus = g.addNode('Add', [inner, scalar(ctx, 'const.one', 1)], ctx.valueName('one_plus'));
  return g.addNode('Mul', [half, onePlus], ctx.valueName());
};

const siluEmitter: OnnxEmitter<SiLU> = (_silu, x, ctx) =>
  ctx.graph.addNode('Mul', [x, ctx.graph.addNode('Sigmoid', [x], ctx.valueName('sigmoid'))], ctx.valueName());
const hardswishEmitter: OnnxEmitter<Hardswish> = (_m, x, ctx) => ctx.graph.addNode('HardSwish', [x], ctx.valueName());
const hardsigmoidEmitter: OnnxEmitter<Hardsigmoid> = (_m, x, ctx) =>
  ctx.graph.addNode('HardSigmoid', [x], ctx.valueName(), [float('alpha', 1 / 6), float('beta', 0.5)]);
const sigmoidEmitter: OnnxEmitter<Sigmoid> = (_m, x, ctx) => ctx.graph.addNode('Sigmoid', [x], ctx.valueName());
const permuteEmitter: OnnxEmitter<Permute> = (permute, x, ctx) =>
  ctx.graph.addNode('Transpose', [x], ctx.valueName(), [ints('perm', permute.dims)]);
const stochasticDepthEmitter: OnnxEmitter<StochasticDepth> = (_m, x) => x;

const layerNormEmitter: OnnxEmitter<LayerNorm> = (norm, x, ctx) => {
  const size = norm.normalizedShape.reduce((a, b) => a * b, 1);
  const scale =
    norm.weight === null
      ? ctx.graph.addInitializer(ctx.childPath('weight'), new Float32Array(size).fill(1), norm.normalizedShape)
      : ctx.initializer(norm.weight, 'weight');
  const inputs = [x, scale];
  if (norm.bias !== null) inputs.push(ctx.initializer(norm.bias, 'bias'));
  return ctx.graph.addNode('LayerNormalization', inputs, ctx.valueName(), [
    int('axis', -norm.normalizedShape.length),
    float('epsilon', norm.eps),
  ]);
};

const squeezeExcitationEmitter: OnnxEmitter<SqueezeExcitation> = (se, x, ctx) => {
  let s = ctx.emit(se.avgpool, 'avgpool', x);
  s = ctx.emit(se.fc1, 'fc1', s);
  s = ctx.emit(se.activation, 'activation', s);
  s = ctx.emit(se.fc2, 'fc2', s);
  s = ctx.emit(se.scale_activation, 'scale_activation', s);
  return ctx.graph.addNode('Mul', [s, x], ctx.valueName());
};

/** The emitters of the zoo's shared layers. */
export const zooLayerEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(GELU, geluEmitter),
  onnxEmitterEntry(SiLU, siluEmitter),
  onnxEmitterEntry(Hardswish, hardswishEmitter),
  onnxEmitterEntry(Hardsigmoid, hardsigmoidEmitter),
  onnxEmitterEntry(Sigmoid, sigmoidEmitter),
  onnxEmitterEntry(Permute, permuteEmitter),
  onnxEmitterEntry(StochasticDepth, stochasticDepthEmitter),
  onnxEmitterEntry(LayerNorm, layerNormEmitter),
  onnxEmitterEntry(SqueezeExcitation, squeezeExcitationEmitter),
];
