/**
 * The config a command runs with: composed from the package's `conf/` (and
 * a user's `--config-dir` before it) or read back from a run's saved
 * `.config/config.yaml`, overrides applied, interpolations resolved, and
 * checked against the shell schema (sections and names). It loads nothing
 * from libtorch, so these errors exit 2 at once. Beside the resolved config
 * it gives the saved form: the same, but `${env:...}` left as written, which
 * is what run dirs and checkpoints hold.
 *
 * @example
 * const run = composeRunConfig({ overrides: ['trainer.maxEpochs=1'] });
 * run.config.trainer; // { maxEpochs: 1, ... }
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  applyOverrides,
  composeConfig,
  isConfigObject,
  parseOverride,
  resolveInterpolations,
  shellConfigSchema,
  validateConfig,
} from '../config/index.js';
import type { ConfigObject, SourceMap } from '../config/index.js';
import { ConfigError } from '../errors.js';

/** The package's own config tree. */
export const packageConfigDir = fileURLToPath(new URL('../../conf', import.meta.url));

/** Where to compose from. */
export interface RunConfigOptions {
  /** A user's config folder, searched before the package's. */
  configDir?: string;
  /** The primary config (default 'train'). */
  configName?: string;
  overrides?: readonly string[];
  /** Resolve `${...}` (default true; `config show` without --resolve keeps them). */
  resolve?: boolean;
}

/** A composed run config with the origin of every value. */
export interface RunConfig {
  config: ConfigObject;
  /** `config` with `${env:...}` unresolved: what goes into files. */
  saved: ConfigObject;
  sources: SourceMap;
  overrides: string[];
  configDirs: string[];
}

/** Composes, resolves and shell-validates; throws ConfigError (every issue, with file:line). */
export function composeRunConfig(options: RunConfigOptions = {}): RunConfig {
  const configDirs = [...(options.configDir === undefined ? [] : [path.resolve(options.configDir)]), packageConfigDir];
  const overrides = [...(options.overrides ?? [])];
  const composed = composeConfig({ configDirs, configName: options.configName ?? 'train', overrides });
  if (options.resolve === false)
    return { config: composed.config, saved: composed.config, sources: composed.sources, overrides, configDirs };
  return { ...resolved(composed.config, composed.sources), overrides, configDirs };
}

/**
 * A run's saved config (`.config/config.yaml`) with `overrides` applied on top
 * (keys only: its groups were chosen when it was composed), resolved and shell-validated.
 *
 * @example
 * const run = composeFromSaved(savedRunConfig('outputs/r1')!, ['data.batchSize=256']);
 */
export function composeFromSaved(saved: { file: string; config: unknown }, overrides: readonly string[]): RunConfig {
  if (!isConfigObject(saved.config)) throw new ConfigError(`run: expected a mapping in ${saved.file}, but got ${typeof saved.config}`);
  const sources: SourceMap = new Map();
  const config = structuredClone(saved.config);
  applyOverrides(config, sources, overrides.map(parseOverride));
  return { ...resolved(config, sources), overrides: [...overrides], configDirs: [] };
}

function resolved(config: ConfigObject, sources: SourceMap): { config: ConfigObject; saved: ConfigObject; sources: SourceMap } {
  const now = new Date();
  const full = resolveInterpolations(config, { sources, now });
  validateConfig(full, shellConfigSchema(), sources);
  return { config: full, saved: resolveInterpolations(config, { sources, now, keepEnv: true }), sources };
}
