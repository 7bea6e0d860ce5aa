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

/** The loss options (`hparams.loss`). @example lossSchema.parse({ name: 'focal', gamma: 2 }); */
export const lossSchema = z
  .object({
    /** The registry's loss names. */
    name: z.enum(['cross_entropy', 'focal']).default('cross_entropy'),
    labelSmoothing: z.number().min(0).max(1).default(0.1),
    /** Focal loss's focusing parameter γ. */
    gamma: z.number().min(0).default(2),
    /** Use the class-weights buffer (set with `setClassWeights`). */
    useClassWeights: z.boolean().default(true),
  })
  .strict();

/** The optimizer options (`hparams.optimizer`). @example optimizerSchema.parse({ name: 'sgd', lr: 0.1, nesterov: true }); */
export const optimizerSchema = z
  .object({
    /** The registry's optimizer names. Adam's weightDecay is an L2 penalty; AdamW's is decoupled. */
    name: z.enum(['adamw', 'adam', 'sgd']).default('adamw'),
    lr: z.number().positive().default(1e-4),
    weightDecay: z.number().min(0).default(1e-4),
    betas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.9, 0.999]),
    eps: z.number().positive().default(1e-8),
    momentum: z.number().min(0).default(0.9),
    nesterov: z.boolean().default(false),
    /** No weight decay on biases and normalisation weights (every parameter with ndim <= 1). */
    noDecayOnNormAndBias: z.boolean().default(true),
  })
  .strict();

/** The LR schedule options (`hparams.scheduler`). @example schedulerSchema.parse({ warmupEpochs: 2, interval: 'step' }); */
export const schedulerSchema = z
  .object({
    /** 'warmup_cosine' as the registry's scheduler of that name; 'none' keeps the lr constant. */
    name: z.enum(['warmup_cosine', 'none']).default('warmup_cosine'),
    warmupEpochs: z.number().min(0).default(5),
    warmupStartFactor: z.number().positive().max(1).default(1e-3),
    etaMinFactor: z.number().min(0).max(1).default(0.05),
    /** Step the scheduler once per epoch or once per optimizer step. */
    interval: z.enum(['epoch', 'step']).default('epoch'),
  })
  .strict();

/** Every hyperparameter of a ClassificationModule; unknown keys are errors. @example classificationOptionsSchema.parse({ numClasses: 10 }); */
export const classificationOptionsSchema = z
  .object({
    numClasses: z.number().int().min(2),
    /** Class names, index order; used in per-class metric names. */
    classNames: z.array(z.string()).optional(),
    loss: lossSchema.default(lossSchema.parse({})),
    optimizer: optimizerSchema.default(optimizerSchema.parse({})),
    scheduler: schedulerSchema.default(schedulerSchema.parse({})),
  })
  .strict();

/** Validated hyperparameters, defaults filled in. @example const hp: ClassificationOptions = module.hparams; */
export type ClassificationOptions = z.output<typeof classificationOptionsSchema>;
/** Hyperparameters as a user writes them (defaults optional). @example const o: ClassificationOptionsInput = { numClasses: 10 }; */
export type ClassificationOptionsInput = z.input<typeof classificationOptionsSchema>;

interface Issue {
  path: string;
  message: string;
}

/** zod's issues as dotted paths; an unknown key becomes one issue at its own path. */
function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.flatMap((i) => {
    const path = i.path.map(String);
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...path, k].join('.'), message: 'unknown option' }));
    return [{ path: path.join('.'), message: i.message }];
  });
}

/** classNames must name every class; checked on the raw input so it is reported with the other issues. */
function classNameIssues(input: unknown): Issue[] {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as { numClasses?: unknown; classNames?: unknown };
  if (!Array.isArray(raw.classNames) || typeof raw.numClasses !== 'number' || raw.classNames.length === raw.numClasses) return [];
  return [{ path: 'classNames', message: `expected ${raw.numClasses} names (one per class), but got ${raw.classNames.length}` }];
}

/**
 * Validates options, filling defaults and reporting every issue at once,
 * each with its dotted path (`optimizer.lr`).
 *
 * @example
 * parseClassificationOptions({ numClasses: 10, loss: { name: 'focal', gamma: 2 } });
 */
export function parseClassificationOptions(input: unknown): ClassificationOptions {
  const parsed = classificationOptionsSchema.safeParse(input);
  const issues = [...(parsed.success ? [] : issuesOf(parsed.error)), ...classNameIssues(input)];
  if (parsed.success && issues.length === 0) return parsed.data;
  throw new ConfigError(
    `ClassificationModule: expected valid options, but got ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}
