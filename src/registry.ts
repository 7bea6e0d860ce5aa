/**
 * The component registry: models, losses, optimizers, schedulers, loggers and
 * callbacks register a builder by group and name, with an optional zod
 * schema for their options; config/ builds them by name. It imports nothing
 * above src/torch, so any component can register itself without knowing
 * who builds it.
 *
 * @example
 * register({ group: 'model', name: 'resnet18', schema: z.object({ numClasses: z.number() }), build: (o) => resnet18(o) });
 * const model = registry.build('model', 'resnet18', { numClasses: 10 });
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';

/** The kinds of component the registry holds. */
export const registryGroups = [
  'model',
  'module',
  'loss',
  'optimizer',
  'scheduler',
  'callback',
  'logger',
  'transform',
  'data_format',
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

function checkGroup(group: string): asserts group is RegistryGroup {
  if (!(registryGroups as readonly string[]).includes(group)) {
    throw new ConfigError(`registry: expected a group among ${registryGroups.join(', ')}, but got '${group}'`);
  }
}

/** A registry of components by group and name. */
export class Registry {
  readonly #entries = new Map<RegistryGroup, Map<string, RegistryEntry>>();

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
   * `runtime` keys (an object schema's refinements stay with `build`). An
   * entry without a schema takes any mapping.
   *
   * @example
   * registry.configSchema('optimizer', 'adamw').parse({ lr: 1e-3 }); // no params needed
   */
  configSchema(group: RegistryGroup, name: string): z.ZodType {
    const entry = this.get(group, name);
    if (entry.schema === undefined) return z.record(z.string(), z.unknown());
    const runtime = entry.runtime ?? [];
    if (runtime.length === 0) return entry.schema;
    if (!(entry.schema instanceof z.ZodObject)) {
      throw new ConfigError(
        `registry: expected an object schema for ${group} '${name}' with runtime keys, but got ${entry.schema.def.type}`,
      );
    }
    const shape = Object.fromEntries(Object.entries(entry.schema.shape as Record<string, z.ZodType>).filter(([k]) => !runtime.includes(k)));
    return z.strictObject(shape);
  }

  /** Validates `options` with the entry's schema (every issue reported at once) and builds the component. */
  build<Result = unknown>(group: RegistryGroup, name: string, options: unknown = {}): Result {
    const entry = this.get(group, name);
    if (entry.schema === undefined) return entry.build(options) as Result;
    const parsed = entry.schema.safeParse(options);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: [group, name, ...i.path.map(String)].join('.'), message: i.message }));
      throw new ConfigError(
        `registry: expected valid options for ${group} '${name}', but got ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    return entry.build(parsed.data) as Result;
  }
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
