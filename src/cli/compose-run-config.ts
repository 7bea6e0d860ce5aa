/**
 * The config a command runs with: composed from the package's `conf/` (and
 * a user's `--config-dir` before it), overrides applied, interpolations
 * resolved, and checked against the shell schema (sections and names). It
 * loads nothing from libtorch, so these errors exit 2 at once.
 *
 * @example
 * const run = composeRunConfig({ overrides: ['trainer.maxEpochs=1'] });
 * run.config.trainer; // { maxEpochs: 1, ... }
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeConfig, resolveInterpolations, shellConfigSchema, validateConfig } from '../config/index.js';
import type { ConfigObject, SourceMap } from '../config/index.js';

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
  sources: SourceMap;
  overrides: string[];
  configDirs: string[];
}

/** Composes, resolves and shell-validates; throws ConfigError (every issue, with file:line). */
export function composeRunConfig(options: RunConfigOptions = {}): RunConfig {
  const configDirs = [...(options.configDir === undefined ? [] : [path.resolve(options.configDir)]), packageConfigDir];
  const overrides = [...(options.overrides ?? [])];
  const composed = composeConfig({ configDirs, configName: options.configName ?? 'train', overrides });
  if (options.resolve === false) return { config: composed.config, sources: composed.sources, overrides, configDirs };
  const config = resolveInterpolations(composed.config, { sources: composed.sources });
  validateConfig(config, shellConfigSchema(), composed.sources);
  return { config, sources: composed.sources, overrides, configDirs };
}
