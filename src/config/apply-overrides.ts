/**
 * Applies parsed command-line value overrides to a composed config, the way
 * Hydra does: `key=v` needs the key to exist (else: use `+key=v`, and the
 * nearest existing key is suggested), `+key=v` needs it not to, `++key=v`
 * sets either way, `~key[=v]` deletes. A mapping assigned onto a mapping
 * merges. Every problem is reported at once; each value set records
 * `override '<text>'` as its source.
 *
 * @example
 * applyOverrides(config, sources, ['trainer.maxEpochs=3', '+trainer.tags=[a]'].map(parseOverride));
 */
import { ConfigError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { deleteKey, getKey, listKeys, splitKey } from './key-path.js';
import type { ConfigObject } from './key-path.js';
import { mergeConfig } from './merge-config.js';
import type { Override } from './override-parser.js';
import { dropSources, findSource, formatSource } from './source-map.js';
import type { SourceMap } from './source-map.js';

function suggestion(config: ConfigObject, key: string): string {
  const hit = didYouMean(key, listKeys(config));
  return hit === undefined ? '' : ` (did you mean \`${hit}\`?)`;
}

/** Applies `overrides` in order to `config` (mutated) and `sources`; a ConfigError lists every override that failed. */
export function applyOverrides(config: ConfigObject, sources: SourceMap, overrides: readonly Override[]): void {
  const issues: { path: string; message: string; location: string }[] = [];
  for (const o of overrides) {
    const message = applyOne(config, sources, o);
    if (message !== undefined) issues.push({ path: o.key, message, location: `override '${o.text}'` });
  }
  if (issues.length > 0) throw new ConfigError(issues.map((i) => i.message).join('\n'), issues);
}

function applyOne(config: ConfigObject, sources: SourceMap, o: Override): string | undefined {
  const path = splitKey(o.key);
  const current = getKey(config, path);
  const head = `override '${o.text}'`;
  if (o.sweepValues !== undefined)
    return `${head}: expected one value, but got a sweep of ${o.sweepValues.length}; run sweeps with -m/--multirun`;
  if (o.type === 'delete') {
    if (!current.found) return `${head}: expected an existing key${suggestion(config, o.key)}, but got \`${o.key}\``;
    if (o.value !== undefined && JSON.stringify(o.value) !== JSON.stringify(current.value)) {
      return `${head}: expected \`${o.key}\` to be ${JSON.stringify(o.value)} to delete it, but got ${JSON.stringify(current.value)}`;
    }
    deleteKey(config, path);
    dropSources(sources, o.key);
    return undefined;
  }
  if (o.type === 'change' && !current.found) {
    return `${head}: expected an existing key${suggestion(config, o.key)}, but got \`${o.key}\`; to add a new key use \`+${o.text}\``;
  }
  if (o.type === 'add' && current.found) {
    const from = formatSource(findSource(sources, o.key));
    return `${head}: expected a new key, but \`${o.key}\` exists${from === undefined ? '' : ` (${from})`}; to replace it use \`${o.text.slice(1)}\` or \`+${o.text}\``;
  }
  const parent = getKey(config, path.slice(0, -1));
  if (parent.found && (typeof parent.value !== 'object' || parent.value === null)) {
    return `${head}: expected \`${o.key.slice(0, o.key.lastIndexOf('.'))}\` to be a mapping, but got ${JSON.stringify(parent.value)}`;
  }
  if (o.type === 'forceAdd' || o.type === 'add') {
    // `++`/`+` replace rather than merge: drop what is there first.
    if (current.found) {
      deleteKey(config, path);
      dropSources(sources, o.key);
    }
  }
  const source = { file: head };
  const valueSources: SourceMap = new Map([['', source], ...listKeys(o.value).map((k): [string, typeof source] => [k, source])]);
  mergeConfig(config, sources, o.value, valueSources, path, source);
  return undefined;
}
