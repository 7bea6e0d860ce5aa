/**
 * Composes a config the way Hydra does: finds the primary config along the
 * search path, expands its defaults list (with the command line's group
 * choices), merges the pieces in order, then applies the command line's
 * value overrides. The result is not yet interpolated (`resolveInterpolations`)
 * nor validated (`validateConfig`): `config show` prints it as composed.
 *
 * @example
 * const { config, sources } = composeConfig({ configDirs: ['my-conf', 'conf'], configName: 'config', overrides: ['model=resnet50', 'trainer.maxEpochs=3'] });
 * sources.get('trainer.maxEpochs'); // { file: "override 'trainer.maxEpochs=3'" }
 */
import { ConfigError } from '../errors.js';
import { applyOverrides } from './apply-overrides.js';
import { ConfigRepository } from './config-repository.js';
import { buildDefaultsList } from './defaults-list.js';
import type { GroupOption, GroupOverride } from './defaults-list.js';
import type { ConfigObject } from './key-path.js';
import { mergeConfig } from './merge-config.js';
import { parseOverride } from './override-parser.js';
import type { Override } from './override-parser.js';
import type { SourceMap } from './source-map.js';

/** What to compose. */
export interface ComposeOptions {
  /** Folders searched in order: a user's `--config-dir` first, then the package's. */
  configDirs: readonly string[];
  /** The primary config's name (`config` for `config.yaml`). */
  configName: string;
  /** Command-line overrides as typed (`model=resnet50`, `+trainer.tags=[a]`). */
  overrides: readonly string[];
}

/** A composed config with the origin of every value. */
export interface ComposedConfig {
  config: ConfigObject;
  /** file:line (or `override '<text>'`) per dotted key. */
  sources: SourceMap;
  /** Every override, parsed, in the order given. */
  overrides: Override[];
  /** The option chosen for each group (Hydra's `runtime.choices`); null when dropped. */
  choices: Record<string, GroupOption>;
}

function parseAll(texts: readonly string[]): Override[] {
  const parsed: Override[] = [];
  const issues: ConfigError['issues'][number][] = [];
  for (const text of texts) {
    try {
      parsed.push(parseOverride(text));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues.map((i) => ({ ...i, message: e.message })));
    }
  }
  if (issues.length > 0) throw new ConfigError(issues.map((i) => i.message).join('\n'), issues);
  return parsed;
}

function toGroupOverride(o: Override): GroupOverride {
  if (o.sweepValues !== undefined) {
    throw new ConfigError(
      `override '${o.text}': expected one option, but got a sweep of ${o.sweepValues.length}; run sweeps with -m/--multirun`,
      [{ path: o.key, message: 'a sweep outside multirun', location: `override '${o.text}'` }],
    );
  }
  const option: GroupOption | undefined =
    o.value === undefined ? undefined : o.value === null ? null : Array.isArray(o.value) ? o.value.map(String) : (o.valueText ?? '');
  return { text: o.text, type: o.type, group: o.key, ...(option === undefined ? {} : { option }) };
}

/** Composes the primary config `configName` with `overrides`; a ConfigError names the file:line or override at fault. */
export function composeConfig(options: ComposeOptions): ComposedConfig {
  const repository = new ConfigRepository(options.configDirs);
  const overrides = parseAll(options.overrides);
  const isGroup = (o: Override): boolean => !/[.[]/.test(o.key) && repository.isGroup(o.key);
  const { pieces, choices } = buildDefaultsList({
    repository,
    configName: options.configName,
    groupOverrides: overrides.filter(isGroup).map(toGroupOverride),
  });
  const config: ConfigObject = {};
  const sources: SourceMap = new Map();
  for (const piece of pieces) {
    mergeConfig(config, sources, piece.value, piece.sources, piece.package, { file: piece.file, line: 1 });
  }
  applyOverrides(
    config,
    sources,
    overrides.filter((o) => !isGroup(o)),
  );
  return { config, sources, overrides, choices };
}
