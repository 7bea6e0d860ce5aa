/**
 * The ClassificationModule's hyperparameters, validated with zod and saved
 * into every checkpoint. Defaults follow the project description: AdamW at
 * lr 1e-4, weight decay 1e-4, 5 warmup epochs from 1e-3 × lr, cosine down to
 * 0.05 × lr, label smoothing 0.1.
 *
 * @example
 * const hp = parseClassificationOptions({ numClasses: 10, optimizer: { lr: 3e-4 } });
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const lossSchema = z.object({
  name: z.enum(['crossEntropy', 'focal']).default('crossEntropy'),
  labelSmoothing: z.number().min(0).max(1).default(0.1),
  /** Focal loss's focusing parameter γ. */
  gamma: z.number().min(0).default(2),
  /** Use the class-weights buffer (set with `setClassWeights`). */
  useClassWeights: z.boolean().default(true),
});

export const optimizerSchema = z.object({
  name: z.enum(['adamw', 'sgd']).default('adamw'),
  lr: z.number().positive().default(1e-4),
  weightDecay: z.number().min(0).default(1e-4),
  betas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
  momentum: z.number().min(0).default(0.9),
  nesterov: z.boolean().default(false),
  /** No weight decay on biases and normalisation weights (every parameter with ndim <= 1). */
  noDecayOnNormAndBias: z.boolean().default(true),
});

export const schedulerSchema = z.object({
  name: z.enum(['warmupCosine', 'none']).default('warmupCosine'),
  warmupEpochs: z.number().min(0).default(5),
  warmupStartFactor: z.number().positive().max(1).default(1e-3),
  etaMinFactor: z.number().min(0).max(1).default(0.05),
  /** Step the scheduler once per epoch or once per optimizer step. */
  interval: z.enum(['epoch', 'step']).default('epoch'),
});

export const classificationOptionsSchema = z.object({
  numClasses: z.number().int().min(2),
  /** Class names, index order; used in per-class metric names. */
  classNames: z.array(z.string()).optional(),
  loss: lossSchema.default(lossSchema.parse({})),
  optimizer: optimizerSchema.default(optimizerSchema.parse({})),
  scheduler: schedulerSchema.default(schedulerSchema.parse({})),
});

export type ClassificationOptions = z.output<typeof classificationOptionsSchema>;
export type ClassificationOptionsInput = z.input<typeof classificationOptionsSchema>;

/** Validates options, reporting every issue with its dotted path. */
export function parseClassificationOptions(input: unknown): ClassificationOptions {
  const parsed = classificationOptionsSchema.safeParse(input);
  if (parsed.success) {
    const names = parsed.data.classNames;
    if (names !== undefined && names.length !== parsed.data.numClasses) {
      throw new ConfigError(`ClassificationModule: expected ${parsed.data.numClasses} classNames, but got ${names.length}`, [
        { path: 'classNames', message: `expected ${parsed.data.numClasses} names` },
      ]);
    }
    return parsed.data;
  }
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new ConfigError(`ClassificationModule: expected valid options, but got ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}
