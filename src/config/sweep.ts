/**
 * Expands a multirun's overrides into its runs, as Hydra's BasicSweeper
 * does: the cartesian product of every sweep (`a,b`, `range(...)`,
 * `choice(...)`, on a value or a config group), in override order, the
 * last sweep changing fastest. Each run's overrides are the command line's
 * with every sweep replaced by one of its values as typed, so each run is
 * also a plain single-run command line. `planSweep` gives the count
 * without making the runs, and run n by its number, so a sweep's size costs
 * nothing until its runs are asked for.
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

/** A sweep read one run at a time: its size is known, its runs are made when asked for. */
export interface SweepPlan {
  /** The swept keys in override order (the summary's columns). */
  keys: string[];
  /** The number of runs: the product of every sweep's size (not a safe integer past 2^53). */
  count: number;
  /** The number of values each swept key takes, in `keys` order. */
  sizes: number[];
  /** Run `n` (0 <= n < count). */
  run(n: number): SweepRun;
  /** The run whose k-th swept key takes its `choice[k]`-th value. */
  runOf(choice: readonly number[]): SweepRun;
  /** Every run in order, made one at a time. */
  runs(): Generator<SweepRun>;
}

/** The text that sets `o.key` to one value of its sweep, with the override's prefix (`+`, `++`, `~`). */
function withValue(o: Override, text: string): string {
  const prefix = o.type === 'add' ? '+' : o.type === 'forceAdd' ? '++' : o.type === 'delete' ? '~' : '';
  return `${prefix}${o.key}=${text}`;
}

/**
 * The sweep of a multirun command line, without writing its runs out: a
 * `range(0,100000000)` costs nothing until a run is asked for. A ConfigError
 * names a malformed override, a key swept twice, or an empty sweep (`range(0)`).
 *
 * @example
 * const plan = planSweep(['a=range(100000000)', 'b=x,y']);
 * [plan.count, plan.run(3).swept]; // [200000000, { a: '1', b: 'y' }]
 */
export function planSweep(texts: readonly string[]): SweepPlan {
  const parsed = texts.map((text) => parseOverride(text));
  const issues: ConfigError['issues'][number][] = [];
  const seen = new Set<string>();
  for (const o of parsed) {
    if (o.sweepValues === undefined) continue;
    const location = `override '${o.text}'`;
    if (seen.has(o.key)) issues.push({ path: o.key, message: `expected one sweep of \`${o.key}\`, but got another one`, location });
    if (o.sweepValues.length === 0) issues.push({ path: o.key, message: 'expected a sweep of at least one value, but got none', location });
    seen.add(o.key);
  }
  if (issues.length > 0) throw new ConfigError(issues.map((i) => `${i.location}: ${i.message}`).join('\n'), issues);

  const swept = parsed.filter((o) => o.sweepValues !== undefined);
  const sizes = swept.map((o) => o.sweepValues!.length);
  const count = sizes.reduce((a, b) => a * b, 1);
  const runOf = (choice: readonly number[]): SweepRun => {
    const values: Record<string, string> = {};
    let s = 0;
    let n = 0;
    const overrides = parsed.map((o) => {
      if (o.sweepValues === undefined) return o.text;
      n = n * sizes[s] + choice[s];
      const text = o.sweepValues.text(choice[s++]);
      values[o.key] = text;
      return withValue(o, text);
    });
    return { n, overrides, swept: values };
  };
  // The last sweep changes fastest: n's digits in the mixed radix of the sizes.
  const run = (n: number): SweepRun => {
    const choice = new Array<number>(sizes.length);
    for (let s = sizes.length - 1, rest = n; s >= 0; s--) {
      choice[s] = rest % sizes[s];
      rest = Math.floor(rest / sizes[s]);
    }
    return runOf(choice);
  };
  return {
    keys: swept.map((o) => o.key),
    count,
    sizes,
    run,
    runOf,
    *runs() {
      for (let n = 0; n < count; n++) yield run(n);
    },
  };
}

/**
 * Every run of a multirun command line, written out (`planSweep` gives them
 * one at a time); the same ConfigErrors.
 *
 * @example
 * expandSweep(['a=range(2)', 'b=x,y']).runs.map((r) => r.swept); // [{a:'0',b:'x'}, {a:'0',b:'y'}, {a:'1',b:'x'}, {a:'1',b:'y'}]
 */
export function expandSweep(texts: readonly string[]): ExpandedSweep {
  const plan = planSweep(texts);
  return { keys: plan.keys, runs: [...plan.runs()] };
}
