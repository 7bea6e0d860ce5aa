/**
 * The ClassificationModule's hyperparameters, validated with zod and saved
 * into every checkpoint. The loss, optimizer and scheduler are registry
 * components: `name` picks one, and its other keys (the component's own
 * options and its group's keys: `loss.useClassWeights`,
 * `optimizer.noDecayOnNormAndBias`, `scheduler.interval`) are checked by
 * `registry.configSchema`, so a user's registered optimizer is configured the
 * same way. Module defaults follow the project description where the chosen
 * component has the key: AdamW at lr 1e-4, weight decay 1e-4 (SGD momentum
 * 0.9), 5 warmup epochs from 1e-3 × lr, cosine down to 0.05 × lr, label
 * smoothing 0.1.
 *
 * @example
 * const hp = parseClassificationOptions({ numClasses: 10, optimizer: { lr: 3e-4 } });
 */
import { z } from 'zod';
import { configErrorFromZod, zodIssues } from '../config-error-from-zod.js';
import { registry } from '../registry.js';
import './components.js';
import type { OptimizerSections } from './configure-optimizers.js';
import { finetuneOptionsSchema } from './finetune-options.js';
import type { FinetuneOptions, FinetuneOptionsInput } from './finetune-options.js';

/** The module's defaults for component keys, used when the chosen component has the key and the user left it out. */
export const moduleComponentDefaults = {
  loss: { labelSmoothing: 0.1 },
  optimizer: { lr: 1e-4, weightDecay: 1e-4, momentum: 0.9 },
  scheduler: {},
} as const satisfies Record<'loss' | 'optimizer' | 'scheduler', Record<string, unknown>>;

/** The component each section picks when the options leave its `name` out. */
const defaultNames = { loss: 'cross_entropy', optimizer: 'adamw', scheduler: 'warmup_cosine' } as const;

const component = z.unknown().optional();

/** Every hyperparameter of a ClassificationModule; each component section is checked by its registered schema. @example classificationOptionsSchema.parse({ numClasses: 10 }); */
export const classificationOptionsSchema = z.strictObject({
  numClasses: z.number().int().min(2),
  /** Class names, index order; used in per-class metric names. */
  classNames: z.array(z.string()).optional(),
  loss: component,
  optimizer: component,
  scheduler: component,
  /** Freezing, per-group learning rates and frozen BatchNorm (finetune-options.ts); left out, nothing changes. */
  finetune: finetuneOptionsSchema.optional(),
});

/** One component's options after validation: its name, its group's keys and its own options. */
type Component<T> = T & Record<string, unknown>;

/** Validated hyperparameters, defaults filled in. @example const hp: ClassificationOptions = module.hparams; */
export interface ClassificationOptions extends OptimizerSections {
  numClasses: number;
  classNames?: string[];
  loss: Component<{ name: string; useClassWeights: boolean }>;
  /** Present when the options set it (every key filled); absent means the defaults. */
  finetune?: FinetuneOptions;
}

/** A component section as a user writes it: a registered name (or the module's default) and options. */
type ComponentInput = { name?: string } & Record<string, unknown>;

/** Hyperparameters as a user writes them (defaults optional). @example const o: ClassificationOptionsInput = { numClasses: 10 }; */
export type ClassificationOptionsInput = {
  numClasses: number;
  classNames?: string[];
  loss?: ComponentInput;
  optimizer?: ComponentInput;
  scheduler?: ComponentInput;
  finetune?: FinetuneOptionsInput;
};

interface Issue {
  path: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** classNames must name every class; checked on the raw input so it is reported with the other issues. */
function classNameIssues(input: unknown): Issue[] {
  const raw = (isObject(input) ? input : {}) as { numClasses?: unknown; classNames?: unknown };
  if (!Array.isArray(raw.classNames) || typeof raw.numClasses !== 'number' || raw.classNames.length === raw.numClasses) return [];
  return [{ path: 'classNames', message: `expected ${raw.numClasses} names (one per class), but got ${raw.classNames.length}` }];
}

/** Validates one component section with its registered schema, the module's defaults layered under the user's values. */
function parseComponent(key: 'loss' | 'optimizer' | 'scheduler', input: unknown, issues: Issue[]): Record<string, unknown> | null {
  if (input !== undefined && !isObject(input)) {
    issues.push({ path: key, message: `expected a mapping, but got ${JSON.stringify(input)}` });
    return null;
  }
  const { name = defaultNames[key], ...own } = input ?? {};
  if (typeof name !== 'string' || !registry.choices(key).includes(name)) {
    issues.push({ path: `${key}.name`, message: `expected one of ${registry.list(key).join(', ')}, but got '${String(name)}'` });
    return null;
  }
  // A run plan's section was checked by this same schema, defaults included.
  if (registry.isResolved(input)) return ordered(key, name, own);
  const schema = registry.configSchema(key, name);
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const defaults = Object.fromEntries(Object.entries(moduleComponentDefaults[key]).filter(([k]) => known.includes(k)));
  const parsed = schema.safeParse({ ...defaults, ...own });
  if (parsed.success) return ordered(key, name, parsed.data as Record<string, unknown>);
  issues.push(...zodIssues(parsed.error, { component: 'ClassificationModule', prefix: [key] }));
  return null;
}

/** The name and the group's keys first, as checkpoints have always listed them. */
function ordered(key: 'loss' | 'optimizer' | 'scheduler', name: string, options: Record<string, unknown>): Record<string, unknown> {
  const first = Object.keys(registry.groupKeys(key));
  return { name, ...Object.fromEntries(first.map((k) => [k, options[k]])), ...options };
}

/**
 * Validates options, filling defaults and reporting every issue at once,
 * each with its dotted path (`optimizer.lr`).
 *
 * @example
 * parseClassificationOptions({ numClasses: 10, loss: { name: 'focal', gamma: 2 } });
 */
export function parseClassificationOptions(input: unknown): ClassificationOptions {
  const top = classificationOptionsSchema.safeParse(input);
  const issues = [...(top.success ? [] : zodIssues(top.error, { component: 'ClassificationModule' })), ...classNameIssues(input)];
  const raw = isObject(input) ? input : {};
  const out: Record<string, unknown> = top.success ? { ...top.data } : {};
  for (const key of ['loss', 'optimizer', 'scheduler'] as const) out[key] = parseComponent(key, raw[key], issues);
  if (issues.length === 0) return out as unknown as ClassificationOptions;
  throw configErrorFromZod(null, { component: 'ClassificationModule' }, issues);
}
