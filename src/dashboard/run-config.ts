/**
 * A run's `.config/config.yaml`, read again only when the file changed: in
 * full for the config view and comparisons, and for the runs list just its
 * headline (`model.name`, `data.root` or `data.format`), picked from the
 * lines YAML.stringify wrote without parsing the whole document, since the
 * list reads hundreds of them.
 *
 * @example
 * readRunConfig('/abs/outputs/r1').config.model;
 * configHeadline('/abs/outputs/r1'); // { model: 'resnet18', data: 'fashion-mnist' }
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

/** A run's config as text and parsed (an empty object when it does not parse). */
export interface RunConfig {
  yaml: string;
  config: Record<string, unknown>;
}

/** What the runs list shows of a config. */
export interface ConfigHeadline {
  model: string | null;
  data: string | null;
}

const cache = new Map<string, { stamp: string; text: string; full?: RunConfig; headline?: ConfigHeadline }>();

function cached(dir: string): { stamp: string; text: string; full?: RunConfig; headline?: ConfigHeadline } | null {
  const file = path.join(dir, '.config', 'config.yaml');
  let stamp: string;
  try {
    const s = statSync(file);
    stamp = `${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
  const hit = cache.get(file);
  if (hit?.stamp === stamp) return hit;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const entry = { stamp, text };
  cache.set(file, entry);
  return entry;
}

/**
 * The whole config, text and parsed.
 *
 * @example
 * readRunConfig(runDir).yaml;
 */
export function readRunConfig(dir: string): RunConfig {
  const entry = cached(dir);
  if (entry === null) return { yaml: '', config: {} };
  if (entry.full === undefined) {
    let config: Record<string, unknown> = {};
    try {
      const parsed = YAML.parse(entry.text) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) config = parsed as Record<string, unknown>;
    } catch {
      // a config that does not parse still lists its run
    }
    entry.full = { yaml: entry.text, config };
  }
  return entry.full;
}

/** The scalar `key` of the top-level mapping `section` (block style, as YAML.stringify writes it), or null. */
function scalarOf(text: string, section: string, key: string): string | null {
  const block = new RegExp(`^${section}:[ \\t]*\\r?\\n((?:[ \\t]+.*\\r?\\n?|\\r?\\n)*)`, 'm').exec(text);
  if (block === null) return null;
  const line = new RegExp(`^  ${key}:[ \\t]*(.+?)[ \\t]*$`, 'm').exec(block[1]);
  if (line === null) return null;
  try {
    const value = YAML.parse(line[1]) as unknown;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  } catch {
    return null;
  }
}

/**
 * The model and data of a run, for the list.
 *
 * @example
 * configHeadline(runDir).model; // 'resnet18'
 */
export function configHeadline(dir: string): ConfigHeadline {
  const entry = cached(dir);
  if (entry === null) return { model: null, data: null };
  entry.headline ??= {
    model: scalarOf(entry.text, 'model', 'name'),
    data: scalarOf(entry.text, 'data', 'root') ?? scalarOf(entry.text, 'data', 'format'),
  };
  return entry.headline;
}
