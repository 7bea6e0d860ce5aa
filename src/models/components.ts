/**
 * Registers the training components config/ builds by name: losses
 * ('cross_entropy', 'focal'), optimizers ('adamw', 'adam', 'sgd') and LR
 * schedulers ('warmup_cosine', 'cosine', 'step', 'multistep', 'onecycle',
 * 'plateau'), each with a strict zod schema (PyTorch's defaults, camelCase
 * names). Imported for its side effects by src/models/index.ts; the ResNets
 * register themselves in resnet.ts.
 *
 * A loss builds a function `(logits, target) => Tensor` with its options
 * bound; an optimizer builds from `{ params, ...options }`; a scheduler from
 * `{ optimizer, ...options }`.
 *
 * @example
 * const loss = registry.build<LossFunction>('loss', 'focal', { gamma: 2, labelSmoothing: 0.1 });
 * const opt = registry.build<Optimizer>('optimizer', 'adamw', { params: model.parameters(), lr: 1e-3 });
 * const sched = registry.build('scheduler', 'warmup_cosine', { optimizer: opt, warmupEpochs: 5, maxEpochs: 30 });
 */
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  MultiStepLR,
  OneCycleLR,
  Optimizer,
  ReduceLROnPlateau,
  SGD,
  StepLR,
} from '../torch/optim/index.js';
import type { ParamsInput } from '../torch/optim/index.js';
import { ShapeError } from '../errors.js';
import { register, registry } from '../registry.js';
import { warmupCosineFromEpochs } from './warmup-cosine.js';
import { focalLoss } from './losses.js';

/** What a registered loss builds: logits [N, C] and int64 [N] or soft [N, C] targets to a loss tensor. */
export type LossFunction = (logits: Tensor, target: Tensor) => Tensor;

const isTensor = (v: unknown): v is Tensor => v instanceof torch.Tensor;
const tensorSchema = z.custom<Tensor>(isTensor, { message: 'expected a Tensor' });

function isParams(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  return v.every((p: unknown) => isTensor(p) || (typeof p === 'object' && p !== null && Array.isArray((p as { params?: unknown }).params)));
}
// The optimizer's constructor checks each group's options; the schema only checks the shape.
const paramsSchema = z.custom<ParamsInput<never>>(isParams, {
  message: 'expected an array of tensors or of param groups ({ params, ...options })',
});
const optimizerInstance = z.custom<Optimizer>((v) => v instanceof Optimizer, { message: 'expected an Optimizer' });

const fraction = z.number().min(0).max(1);
const betas = z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]);
const perGroup = z.union([z.number().min(0), z.array(z.number().min(0))]);

// ---- the keys a config sets beside each component's own options ----

// Read by the module that uses the component (ClassificationModule, the run builder), declared once here.
registry.defineGroup('model', {
  keys: {
    /** null: the data set's class count. */
    numClasses: z.number().int().min(2).nullable().default(null),
    pretrained: z.string().min(1).nullable().optional(),
    weightsDir: z.string().min(1).nullable().optional(),
  },
});
registry.defineGroup('loss', {
  /** Use the class-weights buffer (set with `setClassWeights`) as the loss's `weight`. */
  keys: { useClassWeights: z.boolean().default(true) },
});
registry.defineGroup('optimizer', {
  /** No weight decay on biases and normalisation weights (every parameter with ndim <= 1). */
  keys: { noDecayOnNormAndBias: z.boolean().default(true) },
});
registry.defineGroup('scheduler', {
  /** Step the scheduler once per epoch or once per optimizer step. */
  keys: { interval: z.enum(['epoch', 'step']).default('epoch') },
  // A constant lr: no scheduler.
  none: 'none',
});

// ---- losses ----

const lossWeight = z
  .union([z.array(z.number().min(0)), tensorSchema])
  .nullable()
  .default(null);
const reduction = z.enum(['none', 'mean', 'sum']).default('mean');

/** Class weights as a tensor of the logits' dtype and device (created inside the caller's scope). */
function weightFor(component: string, weight: readonly number[] | Tensor | null, logits: Tensor): Tensor | null {
  if (weight === null) return null;
  const count = isTensor(weight) ? weight.numel() : weight.length;
  if (count !== logits.size(1)) {
    throw new ShapeError(`${component}: expected ${logits.size(1)} class weights (one per logit column), but got ${count}`);
  }
  const options = { dtype: logits.dtype, device: logits.device };
  return isTensor(weight) ? weight.to(options) : torch.tensor([...weight], options);
}

const crossEntropySchema = z
  .object({
    weight: lossWeight,
    labelSmoothing: fraction.default(0),
    ignoreIndex: z.number().int().default(-100),
    reduction,
  })
  .strict();

register({
  group: 'loss',
  name: 'cross_entropy',
  schema: crossEntropySchema,
  description: 'torch.nn.functional.cross_entropy (class weights, label smoothing, soft targets)',
  build:
    (o: z.output<typeof crossEntropySchema>): LossFunction =>
    (logits, target) =>
      torch.tidy(() => torch.crossEntropy(logits, target, { ...o, weight: weightFor('cross_entropy', o.weight, logits) })),
});

const focalSchema = z
  .object({
    gamma: z.number().min(0).default(2),
    weight: lossWeight,
    labelSmoothing: fraction.default(0),
    reduction,
  })
  .strict();

register({
  group: 'loss',
  name: 'focal',
  schema: focalSchema,
  description: 'focal loss (Lin et al. 2017); gamma 0 is cross-entropy',
  build:
    (o: z.output<typeof focalSchema>): LossFunction =>
    (logits, target) =>
      torch.tidy(() => focalLoss(logits, target, { ...o, weight: weightFor('focal', o.weight, logits) })),
});

// ---- optimizers ----

const adamFields = {
  params: paramsSchema,
  lr: z.number().min(0).default(1e-3),
  betas: betas.default([0.9, 0.999]),
  eps: z.number().min(0).default(1e-8),
  amsgrad: z.boolean().default(false),
  maximize: z.boolean().default(false),
};
const adamwSchema = z.object({ ...adamFields, weightDecay: z.number().min(0).default(1e-2) }).strict();
const adamSchema = z.object({ ...adamFields, weightDecay: z.number().min(0).default(0) }).strict();

register({
  group: 'optimizer',
  name: 'adamw',
  schema: adamwSchema,
  runtime: ['params'],
  description: 'torch.optim.AdamW (decoupled weight decay)',
  build: ({ params, ...o }: z.output<typeof adamwSchema>) => new AdamW(params, o),
});

register({
  group: 'optimizer',
  name: 'adam',
  schema: adamSchema,
  runtime: ['params'],
  description: 'torch.optim.Adam (weight decay as an L2 penalty)',
  build: ({ params, ...o }: z.output<typeof adamSchema>) => new Adam(params, o),
});

const sgdSchema = z
  .object({
    params: paramsSchema,
    lr: z.number().min(0),
    momentum: z.number().min(0).default(0),
    dampening: z.number().min(0).default(0),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(0),
    maximize: z.boolean().default(false),
  })
  .strict();

register({
  group: 'optimizer',
  name: 'sgd',
  schema: sgdSchema,
  runtime: ['params'],
  description: 'torch.optim.SGD (momentum, Nesterov)',
  build: ({ params, ...o }: z.output<typeof sgdSchema>) => new SGD(params, o),
});

// ---- schedulers ----

const warmupCosineSchema = z
  .object({
    optimizer: optimizerInstance,
    /** Epochs of linear warmup (fractions allowed when stepped per batch); 0 gives plain cosine annealing. */
    warmupEpochs: z.number().min(0).default(5),
    warmupStartFactor: z.number().positive().max(1).default(1e-3),
    /** eta_min as a fraction of each param group's lr (groups at their own lrs, e.g. fine-tuning's, keep their ratios). */
    etaMinFactor: fraction.default(0.05),
    /** The run's epochs (the caller supplies it). */
    maxEpochs: z.number().int().min(1),
    /** Scheduler steps per epoch: 1 stepped per epoch, the batches per epoch stepped per batch (the caller supplies it). */
    stepsPerEpoch: z.number().int().min(1).default(1),
  })
  .strict();

/** lr × factor: one number when every group has the same lr (PyTorch's eta_min), else one per group. */
function etaMinOf(optimizer: Optimizer, factor: number): number | number[] {
  const lows = optimizer.paramGroups.map((g) => (g.initialLr ?? g.lr) * factor);
  return lows.every((low) => low === lows[0]) ? lows[0] : lows;
}

register({
  group: 'scheduler',
  name: 'warmup_cosine',
  schema: warmupCosineSchema,
  runtime: ['optimizer', 'maxEpochs', 'stepsPerEpoch'],
  description: 'SequentialLR(LinearLR warmup for warmupEpochs, CosineAnnealingLR to lr × etaMinFactor), the default',
  build: ({ optimizer, etaMinFactor, ...o }: z.output<typeof warmupCosineSchema>) =>
    warmupCosineFromEpochs(optimizer, { ...o, etaMin: etaMinOf(optimizer, etaMinFactor) }),
});

const cosineSchema = z.object({ optimizer: optimizerInstance, tMax: z.number().positive(), etaMin: z.number().min(0).default(0) }).strict();

register({
  group: 'scheduler',
  name: 'cosine',
  schema: cosineSchema,
  runtime: ['optimizer'],
  description: 'torch.optim.lr_scheduler.CosineAnnealingLR',
  build: ({ optimizer, ...o }: z.output<typeof cosineSchema>) => new CosineAnnealingLR(optimizer, o),
});

const stepSchema = z
  .object({ optimizer: optimizerInstance, stepSize: z.number().int().positive(), gamma: z.number().positive().default(0.1) })
  .strict();

register({
  group: 'scheduler',
  name: 'step',
  schema: stepSchema,
  runtime: ['optimizer'],
  description: 'torch.optim.lr_scheduler.StepLR',
  build: ({ optimizer, ...o }: z.output<typeof stepSchema>) => new StepLR(optimizer, o),
});

const multistepSchema = z
  .object({
    optimizer: optimizerInstance,
    milestones: z.array(z.number().int().min(0)).min(1),
    gamma: z.number().positive().default(0.1),
  })
  .strict();

register({
  group: 'scheduler',
  name: 'multistep',
  schema: multistepSchema,
  runtime: ['optimizer'],
  description: 'torch.optim.lr_scheduler.MultiStepLR',
  build: ({ optimizer, ...o }: z.output<typeof multistepSchema>) => new MultiStepLR(optimizer, o),
});

const onecycleSchema = z
  .object({
    optimizer: optimizerInstance,
    maxLr: perGroup,
    totalSteps: z.number().int().positive().optional(),
    epochs: z.number().int().positive().optional(),
    stepsPerEpoch: z.number().int().positive().optional(),
    pctStart: z.number().gt(0).lt(1).default(0.3),
    annealStrategy: z.enum(['cos', 'linear']).default('cos'),
    cycleMomentum: z.boolean().default(true),
    baseMomentum: perGroup.default(0.85),
    maxMomentum: perGroup.default(0.95),
    divFactor: z.number().positive().default(25),
    finalDivFactor: z.number().positive().default(1e4),
    threePhase: z.boolean().default(false),
  })
  .strict()
  .refine((o) => o.totalSteps !== undefined || (o.epochs !== undefined && o.stepsPerEpoch !== undefined), {
    message: 'expected totalSteps, or epochs and stepsPerEpoch',
    path: ['totalSteps'],
  });

register({
  group: 'scheduler',
  name: 'onecycle',
  schema: onecycleSchema,
  runtime: ['optimizer'],
  description: 'torch.optim.lr_scheduler.OneCycleLR (step it once per batch)',
  build: ({ optimizer, ...o }: z.output<typeof onecycleSchema>) => new OneCycleLR(optimizer, o),
});

const plateauSchema = z
  .object({
    optimizer: optimizerInstance,
    mode: z.enum(['min', 'max']).default('min'),
    factor: z.number().positive().lt(1).default(0.1),
    patience: z.number().int().min(0).default(10),
    threshold: z.number().min(0).default(1e-4),
    thresholdMode: z.enum(['rel', 'abs']).default('rel'),
    cooldown: z.number().int().min(0).default(0),
    minLr: perGroup.default(0),
    eps: z.number().min(0).default(1e-8),
  })
  .strict();

register({
  group: 'scheduler',
  name: 'plateau',
  schema: plateauSchema,
  runtime: ['optimizer'],
  description: 'torch.optim.lr_scheduler.ReduceLROnPlateau (step(metric) after validation)',
  build: ({ optimizer, ...o }: z.output<typeof plateauSchema>) => new ReduceLROnPlateau(optimizer, o),
});
