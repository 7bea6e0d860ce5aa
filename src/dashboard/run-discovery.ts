/**
 * Finds run dirs under the dashboard's root dirs: a run dir is a folder with
 * `.config/config.yaml`; the walk does not go into a run dir, into hidden
 * folders or through symbolic links (a link could lead out of the roots).
 * A run whose parent holds `multirun.yaml` belongs to that sweep (`train -m`
 * writes `<sweepDir>/<n>/`); its swept keys are the columns of the sweep's
 * `multirun.csv` between `n` and `status`, else the keys whose values differ
 * between the runs listed in `multirun.yaml`.
 *
 * @example
 * discoverRuns(['outputs', 'multirun']).map((r) => r.name); // ['2026-12-01/10-00-00', '2026-12-01/11-00-00/0', ...]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { splitCsvLine } from './metrics-rows.js';

/** A run dir found under a root. */
export interface DiscoveredRun {
  /** Opaque, URL-safe and stable: a hash of the absolute path. */
  id: string;
  /** Absolute path. */
  dir: string;
  /** The root as given. */
  root: string;
  /** The run dir relative to its root, with `/`. */
  name: string;
  sweep: DiscoveredSweep | null;
  /** This run's value of each swept key. */
  swept: Record<string, unknown>;
}

/** A sweep dir and its swept keys. */
export interface DiscoveredSweep {
  id: string;
  /** Absolute path. */
  dir: string;
  /** Relative to its root, with `/`. */
  name: string;
  keys: string[];
  /** Each run's swept values, by its folder name (`'0'`, `'1'`...). */
  values: Map<string, Record<string, unknown>>;
}

const MAX_DEPTH = 8;

/** An opaque URL-safe id for an absolute path. @example idOf('/abs/outputs/r1'); // 'k3J9x0aB1cQe' */
export function idOf(absolute: string): string {
  return createHash('sha256').update(absolute).digest('base64url').slice(0, 12);
}

/** A value as typed on the command line, read as YAML (`0.01` → 0.01, `resnet18` → 'resnet18'). */
function typed(text: string): unknown {
  try {
    return YAML.parse(text) as unknown;
  } catch {
    return text;
  }
}

function overridesOf(runs: { n?: number; overrides?: string[] }[]): Map<string, Map<string, string>> {
  const byRun = new Map<string, Map<string, string>>();
  runs.forEach((r, i) => {
    const values = new Map<string, string>();
    for (const o of r.overrides ?? []) {
      const at = o.indexOf('=');
      if (at > 0) values.set(o.slice(0, at).replace(/^[+~]+/, ''), o.slice(at + 1));
    }
    byRun.set(String(r.n ?? i), values);
  });
  return byRun;
}

function sweptKeys(dir: string, byRun: Map<string, Map<string, string>>): string[] {
  try {
    const header = splitCsvLine(readFileSync(path.join(dir, 'multirun.csv'), 'utf8').split('\n')[0]);
    const status = header.indexOf('status');
    if (header[0] === 'n' && status > 0) return header.slice(1, status);
  } catch {
    // no summary yet: the keys whose values differ between runs
  }
  const keys = [...new Set([...byRun.values()].flatMap((m) => [...m.keys()]))];
  return keys.filter((k) => new Set([...byRun.values()].map((m) => m.get(k))).size > 1);
}

function readSweep(dir: string, root: string): DiscoveredSweep | null {
  let runs: { n?: number; overrides?: string[] }[];
  try {
    const parsed = YAML.parse(readFileSync(path.join(dir, 'multirun.yaml'), 'utf8')) as { runs?: unknown } | null;
    runs = Array.isArray(parsed?.runs) ? (parsed.runs as typeof runs) : [];
  } catch {
    return null;
  }
  const byRun = overridesOf(runs);
  const keys = sweptKeys(dir, byRun);
  const values = new Map<string, Record<string, unknown>>();
  for (const [n, overrides] of byRun) {
    values.set(n, Object.fromEntries(keys.filter((k) => overrides.has(k)).map((k) => [k, typed(overrides.get(k)!)])));
  }
  return { id: idOf(dir), dir, name: path.relative(path.resolve(root), dir).split(path.sep).join('/') || '.', keys, values };
}

function walk(dir: string, depth: number, found: string[]): void {
  if (existsSync(path.join(dir, '.config', 'config.yaml'))) {
    found.push(dir);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') walk(path.join(dir, e.name), depth + 1, found);
  }
}

/**
 * Every run dir under the roots (missing roots are skipped), sorted by name within each root.
 *
 * @example
 * discoverRuns(['outputs']);
 */
export function discoverRuns(roots: readonly string[]): DiscoveredRun[] {
  const runs: DiscoveredRun[] = [];
  const sweeps = new Map<string, DiscoveredSweep | null>();
  for (const root of roots) {
    const absolute = path.resolve(root);
    const found: string[] = [];
    walk(absolute, 0, found);
    found.sort();
    for (const dir of found) {
      const parent = path.dirname(dir);
      if (!sweeps.has(parent)) sweeps.set(parent, existsSync(path.join(parent, 'multirun.yaml')) ? readSweep(parent, root) : null);
      const sweep = sweeps.get(parent) ?? null;
      const name = path.relative(absolute, dir).split(path.sep).join('/') || path.basename(dir);
      const swept = sweep?.values.get(path.basename(dir)) ?? {};
      runs.push({ id: idOf(dir), dir, root, name, sweep, swept });
    }
  }
  return runs;
}
