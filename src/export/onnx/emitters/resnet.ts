/**
 * ONNX emitters for the ResNet family and the ClassificationModule, each
 * following its module's `forward`: a residual block is its branch, then
 * Add(branch, downsample(x) or x), then the block's ReLU; a ResNet is its
 * stem, the blocks of layer1-4 in order, the average pool, Flatten(1) and
 * the head; a ClassificationModule is its backbone.
 *
 * @example
 * const table = new Map([[BasicBlock, basicBlockEmitter]]);
 */
import { ClassificationModule } from '../../../models/classification-module.js';
import { BasicBlock, Bottleneck } from '../../../models/resnet-blocks.js';
import { ResNet } from '../../../models/resnet.js';
import type { Module } from '../../../torch/nn/index.js';
import type { EmitContext, ModuleClass, OnnxEmitter } from '../emit-context.js';
import { int } from '../graph-builder.js';

/** out + (downsample(x) or x), then ReLU: the skip connection both blocks end with (`addIdentity`). */
function addIdentity(out: string, x: string, block: BasicBlock | Bottleneck, ctx: EmitContext): string {
  const identity = ctx.emit(block.downsample, 'downsample', x);
  const sum = ctx.graph.addNode('Add', [out, identity], ctx.valueName('add'));
  return ctx.emit(block.relu, 'relu', sum);
}

const basicBlockEmitter: OnnxEmitter<BasicBlock> = (block, x, ctx) => {
  ctx.expectChildren(block, ['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'downsample']);
  let out = ctx.emit(block.conv1, 'conv1', x);
  out = ctx.emit(block.bn1, 'bn1', out);
  out = ctx.emit(block.relu, 'relu', out);
  out = ctx.emit(block.conv2, 'conv2', out);
  out = ctx.emit(block.bn2, 'bn2', out);
  return addIdentity(out, x, block, ctx);
};

const bottleneckEmitter: OnnxEmitter<Bottleneck> = (block, x, ctx) => {
  ctx.expectChildren(block, ['conv1', 'bn1', 'conv2', 'bn2', 'conv3', 'bn3', 'relu', 'downsample']);
  let out = ctx.emit(block.conv1, 'conv1', x);
  out = ctx.emit(block.bn1, 'bn1', out);
  out = ctx.emit(block.relu, 'relu', out);
  out = ctx.emit(block.conv2, 'conv2', out);
  out = ctx.emit(block.bn2, 'bn2', out);
  out = ctx.emit(block.relu, 'relu', out);
  out = ctx.emit(block.conv3, 'conv3', out);
  out = ctx.emit(block.bn3, 'bn3', out);
  return addIdentity(out, x, block, ctx);
};

const resnetEmitter: OnnxEmitter<ResNet> = (model, x, ctx) => {
  const stages = ['layer1', 'layer2', 'layer3', 'layer4'] as const;
  ctx.expectChildren(model, ['conv1', 'bn1', 'relu', 'maxpool', ...stages, 'avgpool', 'fc']);
  let out = ctx.emit(model.conv1, 'conv1', x);
  out = ctx.emit(model.bn1, 'bn1', out);
  out = ctx.emit(model.relu, 'relu', out);
  out = ctx.emit(model.maxpool, 'maxpool', out);
  for (const stage of stages) out = ctx.emit(model[stage], stage, out);
  out = ctx.emit(model.avgpool, 'avgpool', out);
  out = ctx.graph.addNode('Flatten', [out], ctx.valueName('flatten'), [int('axis', 1)]);
  return ctx.emit(model.fc, 'fc', out);
};

const classificationModuleEmitter: OnnxEmitter<ClassificationModule> = (module, x, ctx) => {
  ctx.expectChildren(module, ['backbone']);
  return ctx.emit(module.backbone, 'backbone', x);
};

/** The emitters of the models this project defines. */
export const modelEmitters: [ModuleClass, OnnxEmitter<Module>][] = [
  [BasicBlock, basicBlockEmitter as OnnxEmitter<Module>],
  [Bottleneck, bottleneckEmitter as OnnxEmitter<Module>],
  [ResNet, resnetEmitter as OnnxEmitter<Module>],
  [ClassificationModule, classificationModuleEmitter as OnnxEmitter<Module>],
];
