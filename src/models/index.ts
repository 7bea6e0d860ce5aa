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
import './multilabel-losses.js';
export * from './resnet.js';
export * from './regnet.js';
export { AnyStage, BottleneckTransform, ResBottleneckBlock, SimpleStemIN, regnetBlockParams } from './regnet-blocks.js';
export * from './convnext.js';
export * from './vision-transformer.js';
export * from './swin.js';
export { BasicBlock, Bottleneck } from './resnet-blocks.js';
export * from './efficientnet.js';
export { FusedMBConv, MBConv } from './efficientnet-blocks.js';
export * from './mobilenet-v2.js';
export * from './mobilenet-v3.js';
export * from './pretrained.js';
export * from './pretrained-weights.js';
export { fetchPretrained } from './weights/fetch-pretrained.js';
export type { FetchPretrainedOptions } from './weights/fetch-pretrained.js';
export { categoriesOf } from './weights/categories.js';
export { torchHubCheckpoints, weightsSearchDirs, weightsUrl, WEIGHTS_URL_ENV } from './weights/weights-lookup.js';
export { downloadFile } from './weights/download.js';
export type { DownloadOptions } from './weights/download.js';
export * from './classification-module.js';
export { MultiLabelModule } from './multilabel-module.js';
export type { LabelCurves } from './multilabel-module.js';
export { MultilabelProbabilities } from './multilabel-probabilities.js';
export { parseMultilabelOptions, MULTILABEL_LOSSES } from './multilabel-options.js';
export type { MultilabelOptions, MultilabelOptionsInput } from './multilabel-options.js';
export * from './classification-options.js';
export * from './configure-optimizers.js';
export * from './finetune.js';
export * from './finetune-options.js';
export * from './warmup-cosine.js';
export * from './split-metrics.js';
export * from './losses.js';
export type { LossFunction } from './components.js';
export { asymmetricLoss } from './multilabel-losses.js';
export type { AsymmetricLossOptions } from './multilabel-losses.js';
