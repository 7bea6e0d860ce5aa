/**
 * A config's identity: the sha256 of its canonical JSON (keys sorted at every
 * level), leaving out keys a caller names (the run directory, say), and the
 * keys where two configs differ. The Trainer compares them to refuse a resume
 * whose config changed.
 *
 * @example
 * fingerprintConfig({ b: 1, a: 2 }) === fingerprintConfig({ a: 2, b: 1 }); // true
 * diffConfigs({ optimizer: { lr: 0.1 } }, { optimizer: { lr: 0.01 } }); // [{ key: 'optimizer.lr', a: 0.1, b: 0.01 }]
 */
import { createHash } from 'node:crypto';
import { deleteKey, isConfigObject, isUnderKey, joinKey, splitKey } from './key-path.js';
import type { KeySegment } from './key-path.js';

/** Keys to leave out, as dotted keys (everything below them goes too). */
export interface FingerprintOptions {
  exclude?: readonly string[];
}

/** JSON with the keys of every mapping sorted; `undefined` members are dropped as JSON drops them. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isConfigObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

function without(config: unknown, exclude: readonly string[]): unknown {
  if (exclude.length === 0) return config;
  const copy = structuredClone(config);
  for (const key of exclude) deleteKey(copy, splitKey(key));
  return copy;
}

/** Hex sha256 of the canonical JSON of `config` without the `exclude`d keys. */
export function fingerprintConfig(config: unknown, options: FingerprintOptions = {}): string {
  return createHash('sha256')
    .update(canonicalJson(without(config, options.exclude ?? [])))
    .digest('hex');
}

/** One key whose value differs; `undefined` on the side that lacks it. */
export interface ConfigDifference {
  key: string;
  a: unknown;
  b: unknown;
}

/** The dotted keys (leaves, or lists as a whole) where `a` and `b` differ, sorted, without the `exclude`d keys. */
export function diffConfigs(a: unknown, b: unknown, options: FingerprintOptions = {}): ConfigDifference[] {
  const exclude = options.exclude ?? [];
  const out: ConfigDifference[] = [];
  const visit = (x: unknown, y: unknown, path: KeySegment[]): void => {
    const key = joinKey(path);
    if (path.length > 0 && exclude.some((e) => isUnderKey(key, e))) return;
    if (isConfigObject(x) && isConfigObject(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) visit(x[k], y[k], [...path, k]);
    } else if (canonicalJson(x) !== canonicalJson(y)) {
      out.push({ key, a: x, b: y });
    }
  };
  visit(a, b, []);
  return out;
}
