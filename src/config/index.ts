/**
 * The config system: Hydra-style composition of YAML config groups along a
 * search path, Hydra's override grammar, OmegaConf-style interpolation, zod
 * validation with file:line for every issue, the config's fingerprint, and
 * the expansion of a multirun's sweeps into its runs.
 * It imports nothing from src/torch or src/training, so config errors are
 * reported before libtorch loads.
 *
 * @example
 * const { config, sources } = composeConfig({ configDirs: ['conf'], configName: 'config', overrides: process.argv.slice(2) });
 * const options = validateConfig(resolveInterpolations(config, { sources }), schema, sources);
 */
export { applyOverrides } from './apply-overrides.js';
export { composeConfig } from './compose.js';
export type { ComposeOptions, ComposedConfig } from './compose.js';
export { ConfigRepository } from './config-repository.js';
export { buildDefaultsList } from './defaults-list.js';
export type { ConfigPiece, DefaultsResult, GroupOption, GroupOverride } from './defaults-list.js';
export { didYouMean, levenshtein } from './did-you-mean.js';
export { canonicalJson, diffConfigs, fingerprintConfig } from '../fingerprint.js';
export type { ConfigDifference, FingerprintOptions } from '../fingerprint.js';
export { formatDate } from './format-date.js';
export { resolveInterpolations } from './interpolate.js';
export type { ResolveOptions } from './interpolate.js';
export { configJsonSchema } from './json-schema.js';
export { isConfigObject, joinKey, splitKey } from './key-path.js';
export type { ConfigObject, KeySegment } from './key-path.js';
export { loadYamlFile, loadYamlText } from './load-yaml.js';
export type { LoadedYaml } from './load-yaml.js';
export { mergeConfig } from './merge-config.js';
export { parseOverride, typeScalar } from './override-parser.js';
export type { Override, OverrideType } from './override-parser.js';
export { findSource, formatSource } from './source-map.js';
export type { ConfigSource, SourceMap } from './source-map.js';
export { describeValue, formatConfigError, validateConfig } from './validate.js';
export { configSchemaFor, fullConfigSchema, shellConfigSchema } from './config-schema.js';
export type { ConfigSchemaOptions } from './config-schema.js';
export { createRunDir, isFolder, runConfigOf, runDirOf, savedRunConfig } from './run-dir.js';
export { expandSweep } from './sweep.js';
export type { ExpandedSweep, SweepRun } from './sweep.js';
export type { RunDirContents } from './run-dir.js';
