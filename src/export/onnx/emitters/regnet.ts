/**
 * ONNX emitters for the RegNet family, each following its module's forward:
 * a residual bottleneck block emits `f` (a Sequential: a, b, se, c), then
 * Add(f(x), proj(x) or x), then its ReLU; a RegNet emits its `featureSteps`
 * (the list `forwardFeatures` runs), then its head `fc`. The stem, the stages
 * and the transform are Sequentials and take the Sequential emitter.
 *
 * @example
 * const table = new Map(regnetEmitters);
 */
import { ResBottleneckBlock } from '../../../models/regnet-blocks.js';
import { RegNet } from '../../../models/regnet.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { ModuleClass, OnnxEmitter } from '../emit-context.js';
import { emitSteps } from './resnet.js';

const resBottleneckBlockEmitter: OnnxEmitter<ResBottleneckBlock> = (block, x, ctx) => {
  ctx.expectChildren(block, ['proj', 'f', 'activation']);
  const out = ctx.emit(block.f, 'f', x);
  const identity = ctx.emit(block.proj, 'proj', x);
  const sum = ctx.graph.addNode('Add', [out, identity], ctx.valueName('add'));
  return ctx.emit(block.activation, 'activation', sum);
};

const regnetEmitter: OnnxEmitter<RegNet> = (model, x, ctx) => {
  const features = emitSteps(model, model.featureSteps, x, ctx, [model.fc]);
  return ctx.emit(model.fc, 'fc', features);
};

/** The emitters of the RegNet family's own classes. */
export const regnetEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(ResBottleneckBlock, resBottleneckBlockEmitter),
  onnxEmitterEntry(RegNet, regnetEmitter),
];
