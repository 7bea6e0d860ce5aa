/**
 * classifier-training: image-classifier training for TypeScript on libtorch.
 *
 * @example
 * import { torch, nn, optim, models, metrics, data } from 'classifier-training';
 * const model = models.resnet18({ numClasses: 10, stem: 'small' });
 * const logits = torch.noGrad(() => model.forward(torch.randn([8, 3, 32, 32])));
 *
 * @module
 */
export * as torch from './torch/index.js';
export * as nn from './torch/nn/index.js';
export * as optim from './torch/optim/index.js';
export * as models from './models/index.js';
export * as metrics from './metrics/index.js';
export * as data from './data/index.js';
export * as analysis from './analysis/index.js';
export { registry, register } from './registry.js';
export * from './errors.js';
export { Trainer, Callback, callbacks, loggers, lrFind, saveLrFind } from './training/index.js';
export type {
  LrFindOptionsInput,
  LrFindResult,
  TrainerInput,
  TrainerView,
  Logger,
  Checkpoint,
  FitOptions,
  FitResult,
  FitStopReason,
  TrainerEvent,
  TrainerEventMap,
  TrainerEventName,
  TrainerEventStream,
} from './training/index.js';
