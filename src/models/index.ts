/**
 * Models: torchvision-identical ResNets and RegNets, the ClassificationModule, losses and
 * pretrained-weight loading.
 *
 * @example
 * const module = new models.ClassificationModule(models.resnet18({ numClasses: 10 }), { numClasses: 10 });
 *
 * @module
 */
import './components.js';
export * from './resnet.js';
export * from './regnet.js';
export { AnyStage, BottleneckTransform, ResBottleneckBlock, SimpleStemIN, regnetBlockParams } from './regnet-blocks.js';
export { BasicBlock, Bottleneck } from './resnet-blocks.js';
export * from './pretrained.js';
export * from './pretrained-weights.js';
export * from './classification-module.js';
export * from './classification-options.js';
export * from './configure-optimizers.js';
export * from './warmup-cosine.js';
export * from './split-metrics.js';
export * from './losses.js';
export type { LossFunction } from './components.js';
