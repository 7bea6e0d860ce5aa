/**
 * The component registry: models, losses, optimizers, schedulers, loggers and
 * callbacks register a builder by group and name, with an optional zod
 * schema for their options; config/ checks configs with those schemas and
 * the run builder (src/cli) builds them by name. It imports nothing
 * above src/torch, so any component can register itself without knowing
 * who builds it.
 *
 * A group may declare keys that every member takes in a config beside its
 * own options (`loss.useClassWeights`, read by whoever uses the loss, not by
 * the loss), and a name that chooses no component at all (`scheduler: none`):
 * declared once here, every schema and every build sees them the same way.
 *
 * @example
 * register({ group: 'model', name: 'resnet18', schema: z.object({ numClasses: z.number() }), build: (o) => resnet18(o) });
 * const model = registry.build('model', 'resnet18', { numClasses: 10 });
 */
import { z } from 'zod';
import { configErrorFromZod } from './config-error-from-zod.js';
import { ConfigError } from './errors.js';

/** The kinds of component the registry holds. */
export const registryGroups = [
  'model',
  'loss',
  'optimizer',
  'scheduler',
  'callback',
  'logger',
  'transform',
  'data_format',
  /** The training module around a model (ClassificationModule): built by name when a checkpoint is exported. */
  'module',
] as const;
export type RegistryGroup = (typeof registryGroups)[number];

/** One registered component. */
export interface RegistryEntry<Options = unknown, Result = unknown> {
  group: RegistryGroup;
  name: string;
  /** Validates (and fills defaults into) the options before `build` sees them. */
  schema?: z.ZodType<Options>;
  build: (options: Options) => Result;
  /**
   * Option keys the building code supplies at build time (an optimizer's
   * `params`, a scheduler's `optimizer`), not the config: `configSchema`
   * leaves them out.
   */
  runtime?: readonly string[];
  /** One line for listings and `--help`. */
  description?: string;
}

/** What a group declares for all its members. */
export interface GroupDefinition {
  /**
   * Keys a config sets beside each member's own options, read by the code
   * that uses the component; a member's own key of the same name is
   * replaced in the config schema (a model's `numClasses` may be null there:
   * the data's count) and still reaches its build.
   */
  keys?: Record<string, z.ZodType>;
  /** The name that chooses no component: `build` gives null (a constant lr for 'scheduler'). */
  none?: string;
  /** The key naming the component in a config section (default 'name'; a data format's is 'format'). */
  selector?: string;
}

function checkGroup(group: string): asserts group is RegistryGroup {
  if (!(registryGroups as readonly string[]).includes(group)) {
    throw new ConfigError(`registry: expected a group among ${registryGroups.join(', ')}, but got '${group}'`);
  }
}

/** A registry of components by group and name. */
export class Registry {
  readonly #entries = new Map<RegistryGroup, Map<string, RegistryEntry>>();
  readonly #groups = new Map<RegistryGroup, GroupDefinition>();
  readonly #resolved = new WeakSet<object>();

  /**
   * Declares a group's shared keys and its "no component" name, once per group.
   *
   * @example
   * registry.defineGroup('scheduler', { keys: { interval: z.enum(['epoch', 'step']).default('epoch') }, none: 'none' });
   */
  defineGroup(group: RegistryGroup, definition: GroupDefinition): void {
    checkGroup(group);
    if (this.#groups.has(group)) throw new ConfigError(`registry: expected a group defined once, but '${group}' is already defined`);
    this.#groups.set(group, definition);
  }

  /** The keys every member of `group` takes in a config (none when the group declares none). */
  groupKeys(group: RegistryGroup): Record<string, z.ZodType> {
    return this.#groups.get(group)?.keys ?? {};
  }

  /** The key naming a member in a config section: 'name', or what the group declares ('format' for data formats). */
  selector(group: RegistryGroup): string {
    return this.#groups.get(group)?.selector ?? 'name';
  }

  /** The registered names and, last, the group's "no component" name: what a config may choose. */
  choices(group: RegistryGroup): string[] {
    const none = this.#groups.get(group)?.none;
    return [...this.list(group), ...(none === undefined ? [] : [none])];
  }

  /** True when `name` is the group's "no component" name. */
  isNone(group: RegistryGroup, name: string): boolean {
    return this.#groups.get(group)?.none === name;
  }

  /** The option keys the building code supplies for `name` (none for the "no component" name). */
  runtimeKeys(group: RegistryGroup, name: string): readonly string[] {
    return this.isNone(group, name) ? [] : (this.get(group, name).runtime ?? []);
  }

  /** Adds a component; registering the same group and name twice is an error. */
  register<Options, Result>(entry: RegistryEntry<Options, Result>): void {
    checkGroup(entry.group);
    const group = this.#entries.get(entry.group) ?? new Map<string, RegistryEntry>();
    if (group.has(entry.name)) {
      throw new ConfigError(`registry: expected a new ${entry.group} name, but '${entry.name}' is already registered`);
    }
    group.set(entry.name, entry as RegistryEntry);
    this.#entries.set(entry.group, group);
  }

  /** True when `group` has `name`. */
  has(group: RegistryGroup, name: string): boolean {
    return this.#entries.get(group)?.has(name) ?? false;
  }

  /** The entry for `name`; an unknown name is a ConfigError listing the registered ones. */
  get(group: RegistryGroup, name: string): RegistryEntry {
    checkGroup(group);
    const entry = this.#entries.get(group)?.get(name);
    if (entry === undefined) {
      const known = this.list(group);
      throw new ConfigError(
        `registry: expected a ${group} among ${known.length > 0 ? known.join(', ') : '(none registered)'}, but got '${name}'`,
        [{ path: group, message: `unknown ${group} '${name}'` }],
      );
    }
    return entry;
  }

  /** Registered names of a group, sorted. */
  list(group: RegistryGroup): string[] {
    checkGroup(group);
    return [...(this.#entries.get(group)?.keys() ?? [])].sort();
  }

  /**
   * The options a config may set for `name`: the entry's schema without its
   * `runtime` keys, with the group's keys (an object schema's refinements
   * stay with `build`). An entry without a schema takes any mapping.
   *
   * @example
   * registry.configSchema('optimizer', 'adamw').parse({ lr: 1e-3 }); // no params needed
   */
  configSchema(group: RegistryGroup, name: string): z.ZodType {
    const keys = this.groupKeys(group);
    if (this.isNone(group, name)) return z.strictObject(keys);
    const entry = this.get(group, name);
    if (entry.schema === undefined) return z.record(z.string(), z.unknown());
    const runtime = entry.runtime ?? [];
    if (runtime.length === 0 && Object.keys(keys).length === 0) return entry.schema;
    if (!(entry.schema instanceof z.ZodObject)) {
      throw new ConfigError(
        `registry: expected an object schema for ${group} '${name}' with runtime or group keys, but got ${entry.schema.def.type}`,
      );
    }
    const shape = Object.fromEntries(Object.entries(entry.schema.shape as Record<string, z.ZodType>).filter(([k]) => !runtime.includes(k)));
    return z.strictObject({ ...shape, ...keys });
  }

  /**
   * Marks options that were validated with `configSchema` (the run plan
   * validates a whole config once, with file:line): they are frozen, and
   * `build` and the components' own constructors take them as they are.
   *
   * @example
   * const section = registry.resolved(validateConfig(config, schema, sources).optimizer);
   */
  resolved<T>(options: T): T {
    if (typeof options !== 'object' || options === null || this.#resolved.has(options)) return options;
    this.#resolved.add(deepFreeze(options));
    return options;
  }

  /** True for options marked with `resolved`. @example registry.isResolved(plan.data); // true */
  isResolved(options: unknown): boolean {
    return typeof options === 'object' && options !== null && this.#resolved.has(options);
  }

  /**
   * Builds a component (Hydra's `instantiate`, timm's `create_model`): from a
   * config section that names it (`{ name: 'adamw', lr: 1e-3 }`; a data
   * format's is `format`) or from a name and options, with `runtimeArgs` the
   * building code supplies (an optimizer's `params`). Group keys the entry
   * does not take, or that are null, are left out: they are its user's.
   * Options are validated by the entry's schema, every issue at once, unless
   * they are `resolved` (then only the runtime arguments are). The group's
   * "no component" name builds null.
   *
   * @example
   * registry.build<Optimizer>('optimizer', { name: 'adamw', lr: 1e-3, noDecayOnNormAndBias: true }, { params });
   * registry.build<Optimizer>('optimizer', 'adamw', { lr: 1e-3 }, { params });
   */
  build<Result = unknown>(group: RegistryGroup, section: Record<string, unknown>, runtimeArgs?: Record<string, unknown>): Result;
  build<Result = unknown>(group: RegistryGroup, name: string, options?: unknown, runtimeArgs?: Record<string, unknown>): Result;
  build<Result = unknown>(group: RegistryGroup, nameOrSection: string | Record<string, unknown>, ...rest: unknown[]): Result {
    const fromSection = typeof nameOrSection !== 'string';
    const selector = this.selector(group);
    const name = fromSection ? String(nameOrSection[selector]) : nameOrSection;
    const options = fromSection ? nameOrSection : (rest[0] ?? {});
    const runtimeArgs = ((fromSection ? rest[0] : rest[1]) ?? {}) as Record<string, unknown>;
    if (this.isNone(group, name)) return null as Result;
    const entry = this.get(group, name);
    const own = this.#ownOptions(group, entry, options, fromSection ? selector : null);
    const input = Object.keys(runtimeArgs).length === 0 ? own : { ...(own as Record<string, unknown>), ...runtimeArgs };
    if (entry.schema === undefined) return entry.build(input) as Result;
    const trusted = this.isResolved(options) && entry.schema instanceof z.ZodObject && !hasChecks(entry.schema);
    const schema = trusted ? runtimeSchema(entry as RegistryEntry & { schema: z.ZodObject }, runtimeArgs) : entry.schema;
    const parsed = schema.safeParse(trusted ? runtimeArgs : input);
    if (!parsed.success) {
      throw configErrorFromZod(parsed.error, {
        component: 'registry',
        expected: `valid options for ${group} '${name}'`,
        prefix: [group, name],
        unknownKeys: 'object',
      });
    }
    return entry.build(trusted ? { ...(own as object), ...(parsed.data as object) } : parsed.data) as Result;
  }

  /** The options the entry takes: without the section's selector and without group keys it lacks or that are null. */
  #ownOptions(group: RegistryGroup, entry: RegistryEntry, options: unknown, selector: string | null): unknown {
    const keys = Object.keys(this.groupKeys(group));
    if ((keys.length === 0 && selector === null) || options === null || typeof options !== 'object') return options;
    const own = entry.schema instanceof z.ZodObject ? Object.keys(entry.schema.shape) : [];
    const takes = ([k, v]: [string, unknown]) => k !== selector && (!keys.includes(k) || (own.includes(k) && v !== null));
    return Object.fromEntries(Object.entries(options).filter(takes));
  }
}

/** Freezes plain objects and arrays all the way down (a tensor or an optimizer given at run time is left alone). */
function deepFreeze<T extends object>(value: T): T {
  const plain = Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
  if (!plain || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) deepFreeze(v as object);
  return Object.freeze(value);
}

/** True when an object schema carries refinements across its keys (they need every key to run). */
function hasChecks(schema: z.ZodType): boolean {
  return (schema.def.checks?.length ?? 0) > 0;
}

/** The schema of the arguments the building code supplies: the entry's runtime keys and any of its keys given at build time. */
function runtimeSchema(entry: RegistryEntry & { schema: z.ZodObject }, runtimeArgs: Record<string, unknown>): z.ZodObject {
  const shape = entry.schema.shape as Record<string, z.ZodType>;
  const keys = [...new Set([...(entry.runtime ?? []), ...Object.keys(runtimeArgs)])];
  return z.strictObject(Object.fromEntries(keys.filter((k) => k in shape).map((k) => [k, shape[k]])));
}

/** The process-wide registry components register into. */
export const registry = new Registry();

/**
 * Registers a component in the process-wide registry.
 *
 * @example
 * register({ group: 'loss', name: 'cross_entropy', build: () => crossEntropy });
 */
export function register<Options, Result>(entry: RegistryEntry<Options, Result>): void {
  registry.register(entry);
}
