/**
 * ONNX emitters for the ResNet family and the ClassificationModule. None
 * restates a forward order: a residual block emits its own `branch` (the
 * list its `forward` runs), then Add(branch, downsample(x) or x), then the
 * block's ReLU; a ResNet emits its `featureSteps` (the list `forwardFeatures`
 * runs), then its head `fc`; a ClassificationModule is its backbone, a
 * MultilabelProbabilities its backbone then a Sigmoid. Both
 * block classes, and any subclass of them, take the `ResidualBlock` emitter.
 *
 * @example
 * const table = new Map([onnxEmitterEntry(ResidualBlock, residualBlockEmitter)]);
 */
import { ClassificationModule } from '../../../models/classification-module.js';
import '../../../models/multilabel-module.js'; // registers module 'multilabel': exports rebuild it by name, as 'classification'
import { MultilabelProbabilities } from '../../../models/multilabel-probabilities.js';
import type { ForwardStep } from '../../../models/forward-steps.js';
import { ResidualBlock } from '../../../models/resnet-blocks.js';
import { ResNet } from '../../../models/resnet.js';
import type { Module } from '../../../torch/nn/index.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { EmitContext, ModuleClass, OnnxEmitter } from '../emit-context.js';
import { int } from '../graph-builder.js';

/**
 * Emits `steps` of `owner` in order, each child under its registered name; fails when `owner`
 * has a child outside `steps` and `also` (something added to a known model, say). Other
 * families with a `featureSteps` list emit it with this too.
 */
export function emitSteps(
  owner: Module,
  steps: readonly ForwardStep[],
  x: string,
  ctx: EmitContext,
  also: readonly (Module | null)[] = [],
): string {
  const names = new Map([...owner.namedChildren()].map(([name, child]) => [child, name]));
  const used = new Set<Module | null>([...steps.filter((step) => step !== 'flatten'), ...also]);
  ctx.expectChildren(
    owner,
    [...owner.namedChildren()].filter(([, child]) => used.has(child)).map(([name]) => name),
  );
  let out = x;
  for (const step of steps) {
    if (step === 'flatten') {
      out = ctx.graph.addNode('Flatten', [out], ctx.valueName('flatten'), [int('axis', 1)]);
      continue;
    }
    const name = names.get(step);
    if (name === undefined) throw ctx.unsupported(owner, 'forward steps that are its registered children', step.constructor.name);
    out = ctx.emit(step, name, out);
  }
  return out;
}

const residualBlockEmitter: OnnxEmitter<ResidualBlock> = (block, x, ctx) => {
  const out = emitSteps(block, block.branch, x, ctx, [block.relu, block.downsample]);
  const identity = ctx.emit(block.downsample, 'downsample', x);
  const sum = ctx.graph.addNode('Add', [out, identity], ctx.valueName('add'));
  return ctx.emit(block.relu, 'relu', sum);
};

const resnetEmitter: OnnxEmitter<ResNet> = (model, x, ctx) => {
  const features = emitSteps(model, model.featureSteps, x, ctx, [model.fc]);
  return ctx.emit(model.fc, 'fc', features);
};

const classificationModuleEmitter: OnnxEmitter<ClassificationModule> = (module, x, ctx) => {
  ctx.expectChildren(module, ['backbone']);
  return ctx.emit(module.backbone, 'backbone', x);
};

// A multi-label export: the backbone's logits, then each label's probability.
const multilabelProbabilitiesEmitter: OnnxEmitter<MultilabelProbabilities> = (module, x, ctx) => {
  ctx.expectChildren(module, ['backbone']);
  return ctx.graph.addNode('Sigmoid', [ctx.emit(module.backbone, 'backbone', x)], ctx.valueName('probabilities'));
};

/** The emitters of the models this project defines. */
export const modelEmitters: [ModuleClass, OnnxEmitter][] = [
  onnxEmitterEntry(ResidualBlock, residualBlockEmitter),
  onnxEmitterEntry(ResNet, resnetEmitter),
  onnxEmitterEntry(ClassificationModule, classificationModuleEmitter),
  onnxEmitterEntry(MultilabelProbabilities, multilabelProbabilitiesEmitter),
];
