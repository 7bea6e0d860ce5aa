/**
 * Optimizers, gradient clipping and LR schedulers, after torch.optim and
 * torch.nn.utils.clip_grad (PyTorch 1.13), giving PyTorch's numbers step by
 * step. Schedulers are also under `lrScheduler`, as in PyTorch.
 *
 * @example
 * import { optim } from 'classifier-training';
 * const opt = new optim.AdamW(params, { lr: 1e-3 });
 * const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 1e-2, totalSteps: 1000 });
 * loss.backward(); optim.clipGradNorm_(params, 1); opt.step(); opt.zeroGrad(); sched.step();
 *
 * @module
 */
export { Optimizer, checkOption } from './optimizer.js';
export type {
  OptimizerOptions,
  OptimizerStateDict,
  PackedParamGroup,
  ParamGroup,
  ParamGroupInput,
  ParamState,
  ParamsInput,
  ScheduleFields,
  StepOptions,
} from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam } from './adam.js';
export type { AdamOptions } from './adam-update.js';
export { AdamW } from './adamw.js';
export type { OptimizerConfig, Scheduler } from './optimizer-config.js';
export { clipGradNorm_, clipGradValue_ } from './clip-grad.js';
export type { ClipGradNormOptions } from './clip-grad.js';
export { flattenStateDict, unflattenStateDict } from './flatten-state-dict.js';
export type { FlatStateDict, StateTree } from './flatten-state-dict.js';
export * from './lr-scheduler/index.js';
export * as lrScheduler from './lr-scheduler/index.js';
