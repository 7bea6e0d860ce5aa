/**
 * A run's config fingerprint: the sha256 of its canonical JSON (keys sorted
 * at every level), so the same config written in any key order gives the
 * same fingerprint; and the dotted keys where two configs differ, for the
 * error that refuses a resume with a changed config.
 *
 * @example
 * fingerprintConfig({ b: 1, a: { c: 2 } }) === fingerprintConfig({ a: { c: 2 }, b: 1 }); // true
 * diffConfigs({ lr: 1 }, { lr: 2 }); // [{ key: 'lr', before: 1, after: 2 }]
 */
import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** sha256 (hex) of the canonical JSON of `config`. @example fingerprintConfig({ lr: 0.1 }); */
export function fingerprintConfig(config: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config ?? null)))
    .digest('hex');
}

/** One difference between two configs. */
export interface ConfigDifference {
  key: string;
  before: unknown;
  after: unknown;
}

/** The dotted keys whose values differ (added and removed keys included). @example diffConfigs(saved, current); */
export function diffConfigs(before: unknown, after: unknown, prefix = ''): ConfigDifference[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffConfigs(before[k], after[k], prefix === '' ? k : `${prefix}.${k}`));
  }
  return JSON.stringify(canonical(before)) === JSON.stringify(canonical(after)) ? [] : [{ key: prefix || '(root)', before, after }];
}
