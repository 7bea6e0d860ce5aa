/**
 * Learning-rate schedulers with PyTorch 1.13's numbers step by step
 * (torch.optim.lr_scheduler). Each writes the lr into its optimizer's param
 * groups; `step()` once per epoch (OneCycleLR: once per batch;
 * ReduceLROnPlateau: `step(metric)`).
 *
 * @example
 * import { optim } from 'classifier-training';
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 50 });
 */
export { LRScheduler, pyMod } from './lr-scheduler.js';
export type { LRSchedulerOptions, SchedulerStateDict } from './lr-scheduler.js';
export { StepLR } from './step-lr.js';
export type { StepLROptions } from './step-lr.js';
export { MultiStepLR } from './multi-step-lr.js';
export type { MultiStepLROptions } from './multi-step-lr.js';
export { LinearLR } from './linear-lr.js';
export type { LinearLROptions } from './linear-lr.js';
export { CosineAnnealingLR } from './cosine-annealing-lr.js';
export type { CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { SequentialLR } from './sequential-lr.js';
export type { SequentialLROptions } from './sequential-lr.js';
export { OneCycleLR } from './one-cycle-lr.js';
export type { OneCycleLROptions } from './one-cycle-lr.js';
export { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
export type { ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
