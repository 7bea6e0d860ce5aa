/**
 * The zod schema of a whole training config (`conf/train.yaml` composed),
 * built from the registry's own schemas: `model`, `loss`, `optimizer`,
 * `scheduler` and `data` are registry components picked by their `name`
 * (`format` for data), `transforms` lists registered transforms, and
 * `callbacks` / `logging` map registered names to their options. The
 * Trainer's schema is passed in, so this file imports nothing that loads
 * libtorch; the registry must already hold the components.
 *
 * `configSchemaFor` validates one config with the schemas of the names it
 * chose (precise messages); `fullConfigSchema` accepts any registered name
 * (unions, for the JSON Schema editors read).
 *
 * @example
 * const options = validateConfig(config, configSchemaFor(config, { registry, trainer: trainerOptionsSchema }), sources);
 * writeFileSync('config.schema.json', JSON.stringify(configJsonSchema(fullConfigSchema({ registry, trainer: trainerOptionsSchema }))));
 */
import { z } from 'zod';
import type { Registry, RegistryGroup } from '../registry.js';
import { isConfigObject } from './key-path.js';

/** What the schema is built from. */
export interface ConfigSchemaOptions {
  registry: Registry;
  /** The Trainer's options schema (`trainerOptionsSchema`). */
  trainer: z.ZodType;
  /** The `finetune` section's schema (`finetuneOptionsSchema`); without it the section is not allowed. */
  finetune?: z.ZodType;
}

type Shape = Record<string, z.ZodType>;

/** The registry group of each component section (the registry knows the key naming the component: `name`, or `format`). */
const sections = {
  model: 'model',
  data: 'data_format',
  loss: 'loss',
  optimizer: 'optimizer',
  scheduler: 'scheduler',
} as const satisfies Record<string, RegistryGroup>;

function shapeOf(schema: z.ZodType): Shape {
  return schema instanceof z.ZodObject ? schema.shape : {};
}

/** One component's section: its name and what the registry says a config may set for it (its options, its group's keys). */
function component(registry: Registry, section: keyof typeof sections, name: string): z.ZodObject {
  const group = sections[section];
  const key = registry.selector(group);
  return z.strictObject({ ...shapeOf(registry.configSchema(group, name)), [key]: z.literal(name) });
}

/** A section whose name is not registered: only the name is checked (listing the registered ones). */
function unknownComponent(registry: Registry, section: keyof typeof sections): z.ZodType {
  const group = sections[section];
  const key = registry.selector(group);
  return z.looseObject({ [key]: z.enum(registry.choices(group) as [string, ...string[]]) });
}

function sectionSchema(registry: Registry, section: keyof typeof sections, name: unknown): z.ZodType {
  const group = sections[section];
  return typeof name === 'string' && registry.choices(group).includes(name)
    ? component(registry, section, name)
    : unknownComponent(registry, section);
}

/**
 * `{ registeredName: options }` for callbacks and loggers; an entry's options
 * may be omitted (`{}` or null). A callback may also sit under a label of the
 * user's choosing whose options name it, so one kind can be listed twice:
 * `best_loss: { name: model_checkpoint, monitor: val/loss }`.
 */
function namedMap(registry: Registry, group: 'callback' | 'logger'): z.ZodType {
  const names = registry.list(group);
  const shape = Object.fromEntries(names.map((name) => [name, registry.configSchema(group, name).nullable().optional()]));
  if (group === 'logger' || names.length === 0) return z.strictObject(shape).default({});
  const [first, ...rest] = names.map((name) => z.strictObject({ ...shapeOf(registry.configSchema(group, name)), name: z.literal(name) }));
  const error = `expected a registered callback as the key, or as the \`name\` of a label of your own, one of ${names.join(', ')}`;
  return z
    .object(shape)
    .catchall(z.discriminatedUnion('name', [first, ...rest], { error }))
    .default({});
}

/** A transform list entry: `{ name, ...options }`, checked by that transform's schema. */
function transformEntry(registry: Registry, entry: unknown): z.ZodType {
  const name = isConfigObject(entry) ? entry.name : undefined;
  if (typeof name === 'string' && registry.has('transform', name)) {
    return z.strictObject({ ...shapeOf(registry.configSchema('transform', name)), name: z.literal(name) });
  }
  return z.looseObject({ name: z.enum(registry.list('transform') as [string, ...string[]]) });
}

function transformsFor(registry: Registry, transforms: unknown): z.ZodType {
  const list = (key: string): z.ZodType => {
    const entries = isConfigObject(transforms) && Array.isArray(transforms[key]) ? (transforms[key] as unknown[]) : [];
    return entries.length === 0 ? z.array(z.unknown()).optional() : z.tuple(entries.map((e) => transformEntry(registry, e)) as [z.ZodType]);
  };
  return z.strictObject({ train: list('train'), eval: list('eval') }).optional();
}

function common(options: ConfigSchemaOptions): Shape {
  return {
    trainer: options.trainer,
    callbacks: namedMap(options.registry, 'callback'),
    logging: namedMap(options.registry, 'logger'),
    run: z.strictObject({
      dir: z.string().min(1),
      /** Where `train -m` puts its runs (`<sweepDir>/<n>/`) and its summary; run again with it to finish a sweep. */
      sweepDir: z.string().min(1).optional(),
    }),
    /** Resume: 'last', 'best' or a checkpoint file. */
    ckptPath: z.string().min(1).nullable().default(null),
    /** `train`: serve the dashboard next to the run while it trains and print its URL. */
    dashboard: z.boolean().default(false),
    /** One class per image (softmax) or several (`multilabel`: a sigmoid per label). */
    task: z.enum(['multiclass', 'multilabel']).default('multiclass'),
    /** Multi-label: the decision threshold of every label, or `tuned` (each label's F1-optimal one on val). */
    thresholds: z.union([z.number().min(0).max(1), z.literal('tuned')]).default(0.5),
    ...(options.finetune === undefined ? {} : { finetune: options.finetune.optional() }),
  };
}

/**
 * The schema of `config` as composed: each section checked by the schema of
 * the component it names (an unknown name is reported with the registered ones).
 *
 * @example
 * configSchemaFor({ model: { name: 'resnet18' } }, { registry, trainer: trainerOptionsSchema });
 */
export function configSchemaFor(config: unknown, options: ConfigSchemaOptions): z.ZodObject {
  const c = isConfigObject(config) ? config : {};
  const name = (section: keyof typeof sections): unknown => {
    const value = c[section];
    return isConfigObject(value) ? value[options.registry.selector(sections[section])] : undefined;
  };
  const shape: Shape = { ...common(options), transforms: transformsFor(options.registry, c.transforms) };
  for (const section of Object.keys(sections) as (keyof typeof sections)[]) {
    shape[section] = sectionSchema(options.registry, section, name(section));
  }
  return z.strictObject(shape);
}

/**
 * The schema of any config the registry can build: each section a union over
 * its registered components (what `config schema` writes as JSON Schema).
 *
 * @example
 * configJsonSchema(fullConfigSchema({ registry, trainer: trainerOptionsSchema }));
 */
export function fullConfigSchema(options: ConfigSchemaOptions): z.ZodObject {
  const { registry } = options;
  const union = (section: keyof typeof sections): z.ZodType => {
    const members = registry.choices(sections[section]).map((n) => component(registry, section, n));
    return members.length === 1 ? members[0] : z.union(members as unknown as [z.ZodType, z.ZodType]);
  };
  const entry = z.union(
    registry
      .list('transform')
      .map((n) => z.strictObject({ ...shapeOf(registry.configSchema('transform', n)), name: z.literal(n) })) as unknown as [
      z.ZodType,
      z.ZodType,
    ],
  );
  const shape: Shape = {
    ...common(options),
    transforms: z.strictObject({ train: z.array(entry).optional(), eval: z.array(entry).optional() }).optional(),
  };
  for (const section of Object.keys(sections) as (keyof typeof sections)[]) shape[section] = union(section);
  return z.strictObject(shape);
}

/**
 * The same sections with only the names checked: validates what composition
 * produced before the components (and libtorch) are loaded.
 *
 * @example
 * validateConfig(config, shellConfigSchema(), sources); // unknown top-level keys, missing sections
 */
export function shellConfigSchema(): z.ZodObject {
  const named = (key: string) => z.looseObject({ [key]: z.string().min(1) });
  return z.strictObject({
    model: named('name'),
    data: named('format'),
    transforms: z.looseObject({}).optional(),
    loss: named('name'),
    optimizer: named('name'),
    scheduler: named('name'),
    trainer: z.looseObject({}),
    callbacks: z.looseObject({}).nullable().optional(),
    logging: z.looseObject({}).nullable().optional(),
    run: z.looseObject({ dir: z.string().min(1) }),
    ckptPath: z.string().min(1).nullable().optional(),
    dashboard: z.boolean().optional(),
    task: z.string().optional(),
    thresholds: z.unknown().optional(),
    finetune: z.looseObject({}).optional(),
  });
}
