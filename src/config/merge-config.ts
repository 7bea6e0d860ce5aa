/**
 * Deep merge of one config into another, OmegaConf-style: mappings merge key
 * by key, anything else (lists included) replaces what was there. Sources
 * follow the values, so a replaced subtree keeps no stale file:line.
 *
 * @example
 * const config = {}, sources = new Map();
 * mergeConfig(config, sources, { lr: 0.1 }, new Map([['lr', { file: 'a.yaml', line: 1 }]]), ['optimizer']);
 * // config = { optimizer: { lr: 0.1 } }, sources has 'optimizer.lr'
 */
import { getKey, isConfigObject, joinKey, setKey } from './key-path.js';
import type { ConfigObject, KeySegment } from './key-path.js';
import { copySources, dropSources } from './source-map.js';
import type { ConfigSource, SourceMap } from './source-map.js';

/** Merges `value` (with `valueSources` relative to it) into `config` at the package path `at`. */
export function mergeConfig(
  config: ConfigObject,
  sources: SourceMap,
  value: unknown,
  valueSources: SourceMap,
  at: readonly KeySegment[] = [],
  packageSource?: ConfigSource,
): void {
  const visit = (path: KeySegment[], relative: KeySegment[], incoming: unknown): void => {
    const current = getKey(config, path);
    const key = joinKey(path);
    if (isConfigObject(incoming) && (path.length === 0 || (current.found && isConfigObject(current.value)))) {
      if (path.length > 0 && !sources.has(key)) {
        const own = valueSources.get(joinKey(relative)) ?? packageSource;
        if (own !== undefined) sources.set(key, own);
      }
      for (const [k, v] of Object.entries(incoming)) visit([...path, k], [...relative, k], v);
      return;
    }
    setKey(config, path, structuredClone(incoming));
    dropSources(sources, key);
    copySources(sources, valueSources, key, joinKey(relative));
    if (!sources.has(key) && packageSource !== undefined) sources.set(key, packageSource);
  };
  if (at.length === 0) visit([], [], value);
  else visit([...at], [], value);
}
