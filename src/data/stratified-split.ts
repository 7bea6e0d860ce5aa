/**
 * A stratified train/val split: every class gives the same fraction of its
 * samples to validation (rounded, at least one when the class has two or
 * more and the fraction is positive), chosen at random from the seed.
 *
 * @example
 * const { train, val } = stratifiedSplit({ targets: ds.targets, fraction: 0.1, seed: 42 });
 * const valSet = new Subset(ds, val);
 */
import { ConfigError } from '../errors.js';
import { Rng } from './random.js';

/** Options for `stratifiedSplit`. */
export interface StratifiedSplitOptions {
  /** Class index per sample. */
  targets: ArrayLike<number>;
  /** Fraction of each class that goes to validation, in [0, 1). */
  fraction: number;
  seed: number;
}

/**
 * Indices for train and for val, each sorted ascending.
 *
 * @example
 * stratifiedSplit({ targets: [0, 0, 0, 0, 1, 1], fraction: 0.5, seed: 0 }); // val has two 0s and one 1
 */
export function stratifiedSplit(options: StratifiedSplitOptions): { train: number[]; val: number[] } {
  const { targets, fraction, seed } = options;
  if (!(fraction >= 0 && fraction < 1)) throw new ConfigError(`stratifiedSplit: expected a fraction in [0, 1), but got ${fraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < targets.length; i++) {
    const list = byClass.get(targets[i]);
    if (list === undefined) byClass.set(targets[i], [i]);
    else list.push(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label) ?? [];
    // One stream per class: adding a class does not reshuffle the others.
    const perm = new Rng(seed, 0x5eed, label + 1).permutation(members.length);
    let take = Math.round(members.length * fraction);
    if (take === 0 && fraction > 0 && members.length >= 2) take = 1;
    if (take >= members.length) take = members.length - 1;
    perm.forEach((p, k) => (k < take ? val : train).push(members[p]));
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}
