/**
 * The ClassificationModule's hyperparameters, validated with zod and saved
 * into every checkpoint. The loss, optimizer and scheduler are registry
 * components: `name` picks one and its other keys are checked against that
 * component's own registered schema (so a user's registered optimizer is
 * configured the same way). Module-level keys sit beside them
 * (`loss.useClassWeights`, `optimizer.noDecayOnNormAndBias`,
 * `scheduler.interval`). Module defaults follow the project description
 * where the chosen component has the key: AdamW at lr 1e-4, weight decay
 * 1e-4 (SGD momentum 0.9), 5 warmup epochs from 1e-3 × lr, cosine down to
 * 0.05 × lr, label smoothing 0.1.
 *
 * @example
 * const hp = parseClassificationOptions({ numClasses: 10, optimizer: { lr: 3e-4 } });
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import type { RegistryGroup } from '../registry.js';
import './components.js';

/** Module-level loss keys; the rest are the registered loss's options. @example lossSchema.parse({ name: 'focal', gamma: 2 }); */
export const lossSchema = z.looseObject({
  /** A registered loss ('cross_entropy', 'focal', or your own). */
  name: z.string().default('cross_entropy'),
  /** Use the class-weights buffer (set with `setClassWeights`) as the loss's `weight`. */
  useClassWeights: z.boolean().default(true),
});

/** Module-level optimizer keys; the rest are the registered optimizer's options. @example optimizerSchema.parse({ name: 'sgd', lr: 0.1 }); */
export const optimizerSchema = z.looseObject({
  /** A registered optimizer ('adamw', 'adam', 'sgd', or your own). */
  name: z.string().default('adamw'),
  /** No weight decay on biases and normalisation weights (every parameter with ndim <= 1). */
  noDecayOnNormAndBias: z.boolean().default(true),
});

/** Module-level scheduler keys; the rest are the registered scheduler's options. @example schedulerSchema.parse({ warmupEpochs: 2, interval: 'step' }); */
export const schedulerSchema = z.looseObject({
  /** A registered scheduler ('warmup_cosine', 'cosine', ...) or 'none' for a constant lr. */
  name: z.string().default('warmup_cosine'),
  /** Step the scheduler once per epoch or once per optimizer step. */
  interval: z.enum(['epoch', 'step']).default('epoch'),
});

/** The module's defaults for component keys, used when the chosen component has the key and the user left it out. */
export const moduleComponentDefaults = {
  loss: { labelSmoothing: 0.1 },
  optimizer: { lr: 1e-4, weightDecay: 1e-4, momentum: 0.9 },
  scheduler: {},
} as const satisfies Record<'loss' | 'optimizer' | 'scheduler', Record<string, unknown>>;

const moduleSchema = z.strictObject({
  numClasses: z.number().int().min(2),
  /** Class names, index order; used in per-class metric names. */
  classNames: z.array(z.string()).optional(),
  loss: lossSchema.default({ name: 'cross_entropy', useClassWeights: true }),
  optimizer: optimizerSchema.default({ name: 'adamw', noDecayOnNormAndBias: true }),
  scheduler: schedulerSchema.default({ name: 'warmup_cosine', interval: 'epoch' }),
});

/** One component's options after validation: the module keys plus the component's own. */
type Component<T> = T & Record<string, unknown>;

/** Validated hyperparameters, defaults filled in. @example const hp: ClassificationOptions = module.hparams; */
export interface ClassificationOptions {
  numClasses: number;
  classNames?: string[];
  loss: Component<{ name: string; useClassWeights: boolean }>;
  optimizer: Component<{ name: string; noDecayOnNormAndBias: boolean }>;
  scheduler: Component<{ name: string; interval: 'epoch' | 'step' }>;
}
/** Hyperparameters as a user writes them (defaults optional). @example const o: ClassificationOptionsInput = { numClasses: 10 }; */
export type ClassificationOptionsInput = z.input<typeof moduleSchema>;

/** Every hyperparameter of a ClassificationModule (module-level keys; component keys are checked by the registry). @example classificationOptionsSchema.parse({ numClasses: 10 }); */
export const classificationOptionsSchema = moduleSchema;

interface Issue {
  path: string;
  message: string;
}

/** zod's issues as dotted paths under `prefix`; an unknown key becomes one issue at its own path. */
function issuesOf(error: z.ZodError, prefix: string[] = []): Issue[] {
  return error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path.map(String)];
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

const moduleKeys = { loss: ['name', 'useClassWeights'], optimizer: ['name', 'noDecayOnNormAndBias'], scheduler: ['name', 'interval'] };

/** Validates one component's own keys with its registered schema, the module's defaults layered under the user's values. */
function parseComponent(
  key: 'loss' | 'optimizer' | 'scheduler',
  options: Record<string, unknown>,
  issues: Issue[],
): Record<string, unknown> | null {
  const group: RegistryGroup = key;
  const name = String(options.name);
  if (key === 'scheduler' && name === 'none') return {};
  if (!registry.has(group, name)) {
    issues.push({ path: `${key}.name`, message: `expected one of ${registry.list(group).join(', ')}, but got '${name}'` });
    return null;
  }
  const own = Object.fromEntries(Object.entries(options).filter(([k]) => !moduleKeys[key].includes(k)));
  const schema = registry.configSchema(group, name);
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const defaults = Object.fromEntries(Object.entries(moduleComponentDefaults[key]).filter(([k]) => known.includes(k)));
  const parsed = schema.safeParse({ ...defaults, ...own });
  if (parsed.success) return parsed.data as Record<string, unknown>;
  issues.push(...issuesOf(parsed.error, [key]));
  return null;
}

/**
 * Validates options, filling defaults and reporting every issue at once,
 * each with its dotted path (`optimizer.lr`).
 *
 * @example
 * parseClassificationOptions({ numClasses: 10, loss: { name: 'focal', gamma: 2 } });
 */
export function parseClassificationOptions(input: unknown): ClassificationOptions {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const top = moduleSchema
    .extend({ loss: z.unknown().optional(), optimizer: z.unknown().optional(), scheduler: z.unknown().optional() })
    .safeParse(input);
  const issues = [...(top.success ? [] : issuesOf(top.error)), ...classNameIssues(input)];
  const out: Record<string, unknown> = top.success ? { ...top.data } : {};
  const schemas = { loss: lossSchema, optimizer: optimizerSchema, scheduler: schedulerSchema };
  for (const key of ['loss', 'optimizer', 'scheduler'] as const) {
    const outer = schemas[key].safeParse(raw[key] ?? {});
    if (!outer.success) {
      issues.push(...issuesOf(outer.error, [key]));
      continue;
    }
    const own = parseComponent(key, outer.data, issues);
    const picked = Object.fromEntries(moduleKeys[key].map((k) => [k, (outer.data as Record<string, unknown>)[k]]));
    out[key] = { ...picked, ...own };
  }
  if (issues.length === 0) return out as unknown as ClassificationOptions;
  throw new ConfigError(
    `ClassificationModule: expected valid options, but got ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    issues,
  );
}
