/**
 * ONNX emitters for EfficientNet, MobileNetV2 and MobileNetV3, following
 * each module's `forward` in evaluation mode: an inverted-residual block
 * emits its `branch` (then its stochastic depth, the identity in eval) and
 * Add(branch, x) when it keeps its shape; a model emits its `featureSteps`
 * (the list `forwardFeatures` runs), then its `classifier`; ReLU6 → Clip(0, 6).
 *
 * @example
 * const table = new Map(efficientNetMobileNetEmitters);
 */
import { EfficientNet } from '../../../models/efficientnet.js';
import { InvertedResidualBlock } from '../../../models/inverted-residual.js';
import { MobileNetV2 } from '../../../models/mobilenet-v2.js';
import { MobileNetV3 } from '../../../models/mobilenet-v3.js';
import { ReLU6 } from '../../../torch/nn/index.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { EmitContext, ModuleClass, OnnxEmitter } from '../emit-context.js';
import { emitSteps } from './resnet.js';

/** A rank-0 fp32 constant, shared by name across the graph (Clip takes its bounds as inputs). */
function bound(ctx: EmitContext, name: string, value: number): string {
  if (!ctx.graph.initializers.has(name)) ctx.graph.addInitializer(name, new Float32Array([value]), []);
  return name;
}

const relu6Emitter: OnnxEmitter<ReLU6> = (_m, x, ctx) =>
  ctx.graph.addNode('Clip', [x, bound(ctx, 'const.clip_zero', 0), bound(ctx, 'const.clip_six', 6)], ctx.valueName());

const invertedResidualEmitter: OnnxEmitter<InvertedResidualBlock> = (block, x, ctx) => {
  const steps = block.useResConnect && block.drop !== null ? [block.branch, block.drop] : [block.branch];
  const out = emitSteps(block, steps, x, ctx, [block.drop]);
  return block.useResConnect ? ctx.graph.addNode('Add', [out, x], ctx.valueName('add')) : out;
};

const mobileModelEmitter: OnnxEmitter<EfficientNet | MobileNetV2 | MobileNetV3> = (model, x, ctx) =>
  ctx.emit(model.classifier, 'classifier', emitSteps(model, model.featureSteps, x, ctx, [model.classifier]));

/** The emitters of the EfficientNet and MobileNet families (and ReLU6). */
export const efficientNetMobileNetEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(ReLU6, relu6Emitter),
  onnxEmitterEntry(InvertedResidualBlock, invertedResidualEmitter),
  onnxEmitterEntry(EfficientNet, mobileModelEmitter),
  onnxEmitterEntry(MobileNetV2, mobileModelEmitter),
  onnxEmitterEntry(MobileNetV3, mobileModelEmitter),
];
