/**
 * ONNX emitters for the layers of `torch/nn`, each following the layer's
 * `forward` in evaluation mode: Conv2d → Conv, BatchNorm2d (and its
 * subclass SyncBatchNorm, the same layer in evaluation) → BatchNormalization (or
 * folded into the Conv before it), ReLU → Relu,
 * MaxPool2d → MaxPool, AvgPool2d → AveragePool, AdaptiveAvgPool2d(1) →
 * GlobalAveragePool, Flatten(1) → Flatten, Linear → Gemm, Sequential → its
 * children in order; Identity and Dropout (an identity in eval) emit nothing.
 *
 * @example
 * const table = new Map([[Conv2d, conv2dEmitter]]);
 */
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from '../../../torch/nn/index.js';
import { EmitContext, onnxEmitterEntry } from '../emit-context.js';
import type { ModuleClass, OnnxEmitter } from '../emit-context.js';
import { float, int, ints } from '../graph-builder.js';

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** ONNX pads [top, left, bottom, right] from PyTorch's symmetric padding. */
const symmetricPads = ([h, w]: [number, number]): number[] => [h, w, h, w];

const conv2dEmitter: OnnxEmitter<Conv2d> = (conv, input, ctx) => {
  const [kh, kw] = conv.kernelSize;
  const [dh, dw] = conv.dilation;
  let pads: number[];
  if (conv.padding === 'valid') pads = [0, 0, 0, 0];
  else if (conv.padding === 'same') {
    // PyTorch's 'same': total padding dilation * (k - 1), the odd pixel at the bottom / right.
    const [th, tw] = [dh * (kh - 1), dw * (kw - 1)];
    pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  } else pads = symmetricPads(conv.padding);
  const inputs = [input, ctx.initializer(conv.weight, 'weight')];
  if (conv.bias !== null) inputs.push(ctx.initializer(conv.bias, 'bias'));
  const output = ctx.graph.addNode('Conv', inputs, ctx.valueName(), [
    ints('kernel_shape', [kh, kw]),
    ints('strides', conv.stride),
    ints('pads', pads),
    ints('dilations', conv.dilation),
    int('group', conv.groups),
  ]);
  ctx.graph.markConvOutput(output, conv.outChannels);
  return output;
};

const batchNorm2dEmitter: OnnxEmitter<BatchNorm2d> = (bn, input, ctx) => {
  if (bn.running_mean === null || bn.running_var === null) {
    throw ctx.unsupported(bn, 'running statistics (trackRunningStats: true) for an inference graph', 'none');
  }
  if (ctx.options.foldBatchNorm) {
    const mean = EmitContext.float64(bn.running_mean);
    const variance = EmitContext.float64(bn.running_var);
    const gamma = bn.weight === null ? null : EmitContext.float64(bn.weight);
    const beta = bn.weight === null || bn.bias === null ? null : EmitContext.float64(bn.bias);
    const scale = new Float64Array(bn.numFeatures);
    const shift = new Float64Array(bn.numFeatures);
    // eps is the fp32 value libtorch adds; the rest is float64, rounded to fp32 once in the fold.
    const eps = Math.fround(bn.eps);
    for (let c = 0; c < bn.numFeatures; c++) {
      scale[c] = (gamma === null ? 1 : gamma[c]) / Math.sqrt(variance[c] + eps);
      shift[c] = (beta === null ? 0 : beta[c]) - mean[c] * scale[c];
    }
    const folded = ctx.graph.foldAffineIntoConv(input, scale, shift, ctx.valueName());
    if (folded !== null) return folded;
  }
  const ones = (): Float32Array => new Float32Array(bn.numFeatures).fill(1);
  const scale =
    bn.weight === null ? ctx.graph.addInitializer(ctx.childPath('weight'), ones(), [bn.numFeatures]) : ctx.initializer(bn.weight, 'weight');
  const bias =
    bn.bias === null
      ? ctx.graph.addInitializer(ctx.childPath('bias'), new Float32Array(bn.numFeatures), [bn.numFeatures])
      : ctx.initializer(bn.bias, 'bias');
  const inputs = [input, scale, bias, ctx.initializer(bn.running_mean, 'running_mean'), ctx.initializer(bn.running_var, 'running_var')];
  return ctx.graph.addNode('BatchNormalization', inputs, ctx.valueName(), [float('epsilon', bn.eps)]);
};

const reluEmitter: OnnxEmitter<ReLU> = (_relu, input, ctx) => ctx.graph.addNode('Relu', [input], ctx.valueName());

const maxPool2dEmitter: OnnxEmitter<MaxPool2d> = (pool, input, ctx) => {
  const { kernelSize, stride = kernelSize, padding = 0, dilation = 1, ceilMode = false } = pool.options;
  return ctx.graph.addNode('MaxPool', [input], ctx.valueName(), [
    ints('kernel_shape', pair(kernelSize)),
    ints('strides', pair(stride)),
    ints('pads', symmetricPads(pair(padding))),
    ints('dilations', pair(dilation)),
    int('ceil_mode', ceilMode ? 1 : 0),
  ]);
};

const avgPool2dEmitter: OnnxEmitter<AvgPool2d> = (pool, input, ctx) => {
  const { kernelSize, stride = kernelSize, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride } = pool.options;
  if (divisorOverride !== undefined) throw ctx.unsupported(pool, 'no divisorOverride', String(divisorOverride));
  return ctx.graph.addNode('AveragePool', [input], ctx.valueName(), [
    ints('kernel_shape', pair(kernelSize)),
    ints('strides', pair(stride)),
    ints('pads', symmetricPads(pair(padding))),
    int('ceil_mode', ceilMode ? 1 : 0),
    int('count_include_pad', countIncludePad ? 1 : 0),
  ]);
};

const adaptiveAvgPool2dEmitter: OnnxEmitter<AdaptiveAvgPool2d> = (pool, input, ctx) => {
  const [h, w] = pair(pool.outputSize);
  if (h !== 1 || w !== 1) throw ctx.unsupported(pool, 'outputSize 1 (global average pooling)', JSON.stringify(pool.outputSize));
  return ctx.graph.addNode('GlobalAveragePool', [input], ctx.valueName());
};

const flattenEmitter: OnnxEmitter<Flatten> = (flatten, input, ctx) => {
  if (flatten.startDim !== 1 || flatten.endDim !== -1) {
    throw ctx.unsupported(flatten, 'startDim 1 and endDim -1', `startDim ${flatten.startDim} and endDim ${flatten.endDim}`);
  }
  return ctx.graph.addNode('Flatten', [input], ctx.valueName(), [int('axis', 1)]);
};

const linearEmitter: OnnxEmitter<Linear> = (linear, input, ctx) => {
  const inputs = [input, ctx.initializer(linear.weight, 'weight')];
  if (linear.bias !== null) inputs.push(ctx.initializer(linear.bias, 'bias'));
  return ctx.graph.addNode('Gemm', inputs, ctx.valueName(), [int('transB', 1)]);
};

const sequentialEmitter: OnnxEmitter<Sequential> = (sequential, input, ctx) => {
  let value = input;
  for (const [name, child] of sequential.namedChildren()) value = ctx.emit(child, name, value);
  return value;
};

const passThrough: OnnxEmitter = (module, input, ctx) => {
  ctx.expectChildren(module, []);
  return input;
};

/** The emitters of torch/nn's layers (SyncBatchNorm takes BatchNorm2d's, its parent's). */
export const layerEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(Conv2d, conv2dEmitter),
  onnxEmitterEntry(BatchNorm2d, batchNorm2dEmitter),
  onnxEmitterEntry(ReLU, reluEmitter),
  onnxEmitterEntry(MaxPool2d, maxPool2dEmitter),
  onnxEmitterEntry(AvgPool2d, avgPool2dEmitter),
  onnxEmitterEntry(AdaptiveAvgPool2d, adaptiveAvgPool2dEmitter),
  onnxEmitterEntry(Flatten, flattenEmitter),
  onnxEmitterEntry(Linear, linearEmitter),
  onnxEmitterEntry(Sequential, sequentialEmitter),
  [Identity, passThrough],
  [Dropout, passThrough],
];
