/**
 * The config keys that differ between runs, dotted (`optimizer.lr`). Keys
 * whose values come from the clock (`run.dir`, `run.sweepDir`: every run
 * has its own) are left out, since they differ between any two runs.
 *
 * @example
 * configDifferences({ a: { lr: 0.1, m: 'x' }, b: { lr: 0.01, m: 'x' } });
 * // [{ key: 'lr', values: { a: 0.1, b: 0.01 } }]
 */
import type { ConfigDifference } from './api-types.js';

const ignored = new Set(['run.dir', 'run.sweepDir']);

/**
 * A nested config as dotted keys; arrays are leaves (compared whole).
 *
 * @example
 * flattenConfig({ a: { b: 1 }, c: [1, 2] }); // { 'a.b': 1, c: [1, 2] }
 */
export function flattenConfig(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix !== '') out[prefix] = {};
    for (const [k, v] of entries) flattenConfig(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') out[prefix] = value;
  return out;
}

/**
 * The keys whose values are not the same in every run (a key a run lacks
 * counts as a difference), in first-seen order.
 *
 * @example
 * configDifferences({ r1: config1, r2: config2 });
 */
export function configDifferences(configs: Readonly<Record<string, unknown>>): ConfigDifference[] {
  const flat = Object.entries(configs).map(([id, c]) => [id, flattenConfig(c)] as const);
  const keys = [...new Set(flat.flatMap(([, f]) => Object.keys(f)))].filter((k) => !ignored.has(k));
  const differences: ConfigDifference[] = [];
  for (const key of keys) {
    const texts = new Set(flat.map(([, f]) => (key in f ? JSON.stringify(f[key]) : '\u0000absent')));
    if (texts.size <= 1) continue;
    differences.push({ key, values: Object.fromEntries(flat.filter(([, f]) => key in f).map(([id, f]) => [id, f[key]])) });
  }
  return differences;
}
