/**
 * Expands a multirun's overrides into its runs, as Hydra's BasicSweeper
 * does: the cartesian product of every sweep (`a,b`, `range(...)`,
 * `choice(...)`, on a value or a config group), in override order, the
 * last sweep changing fastest. Each run's overrides are the command line's
 * with every sweep replaced by one of its values as typed, so each run is
 * also a plain single-run command line.
 *
 * @example
 * expandSweep(['model=resnet18,resnet34', 'optimizer.lr=0.1,0.01', 'trainer.maxEpochs=3']).map((r) => r.overrides);
 * // [['model=resnet18', 'optimizer.lr=0.1', 'trainer.maxEpochs=3'], ['model=resnet18', 'optimizer.lr=0.01', ...], ...]
 */
import { ConfigError } from '../errors.js';
import { parseOverride } from './override-parser.js';
import type { Override } from './override-parser.js';

/** One run of a sweep. */
export interface SweepRun {
  /** Its number, from 0, in expansion order (its folder under the sweep dir). */
  n: number;
  /** The overrides of this run, in the command line's order. */
  overrides: string[];
  /** The value of each swept key as typed, in override order (`{ model: 'resnet34', 'optimizer.lr': '0.01' }`). */
  swept: Record<string, string>;
}

/** A sweep's runs and the keys it sweeps. */
export interface ExpandedSweep {
  /** The swept keys in override order (the summary's columns). */
  keys: string[];
  runs: SweepRun[];
}

/** The text that sets `o.key` to one value of its sweep, with the override's prefix (`+`, `++`, `~`). */
function withValue(o: Override, text: string): string {
  const prefix = o.type === 'add' ? '+' : o.type === 'forceAdd' ? '++' : o.type === 'delete' ? '~' : '';
  return `${prefix}${o.key}=${text}`;
}

/**
 * The runs of a multirun command line; a ConfigError names a malformed
 * override, a key swept twice, or an empty sweep (`range(0)`).
 *
 * @example
 * expandSweep(['a=range(2)', 'b=x,y']).runs.map((r) => r.swept); // [{a:'0',b:'x'}, {a:'0',b:'y'}, {a:'1',b:'x'}, {a:'1',b:'y'}]
 */
export function expandSweep(texts: readonly string[]): ExpandedSweep {
  const parsed = texts.map((text) => parseOverride(text));
  const issues: ConfigError['issues'][number][] = [];
  const seen = new Set<string>();
  for (const o of parsed) {
    if (o.sweep === undefined) continue;
    const location = `override '${o.text}'`;
    if (seen.has(o.key)) issues.push({ path: o.key, message: `expected one sweep of \`${o.key}\`, but got another one`, location });
    if (o.sweep.length === 0) issues.push({ path: o.key, message: 'expected a sweep of at least one value, but got none', location });
    seen.add(o.key);
  }
  if (issues.length > 0) throw new ConfigError(issues.map((i) => `${i.location}: ${i.message}`).join('\n'), issues);

  const swept = parsed.filter((o) => o.sweep !== undefined);
  let combinations: number[][] = [[]];
  for (const o of swept) combinations = combinations.flatMap((c) => o.sweep!.map((_, k) => [...c, k]));
  const runs = combinations.map((choice, n): SweepRun => {
    const values: Record<string, string> = {};
    let s = 0;
    const overrides = parsed.map((o) => {
      if (o.sweep === undefined) return o.text;
      const text = o.sweepTexts![choice[s++]];
      values[o.key] = text;
      return withValue(o, text);
    });
    return { n, overrides, swept: values };
  });
  return { keys: swept.map((o) => o.key), runs };
}
