/**
 * A config's identity: the sha256 of its canonical JSON (keys sorted at every
 * level), leaving out keys a caller names (the run directory, say), and the
 * keys where two configs differ. The Trainer compares them to refuse a resume
 * whose config changed; `RESUME_IGNORED_KEYS` is the one list of the keys
 * that change where files go, when, or what is shown, never what is trained,
 * so they are left out of that comparison.
 *
 * @example
 * fingerprintConfig({ b: 1, a: 2 }) === fingerprintConfig({ a: 2, b: 1 }); // true
 * diffConfigs({ optimizer: { lr: 0.1 } }, { optimizer: { lr: 0.01 } }); // [{ key: 'optimizer.lr', a: 0.1, b: 0.01 }]
 */
import { createHash } from 'node:crypto';
import { deleteKey, isConfigObject, isUnderKey, joinKey, splitKey } from './config/key-path.js';
import type { KeySegment } from './config/key-path.js';

/**
 * The config keys that never make a resume a different run: where files go
 * (`run.*`, the loggers), how the run starts (`ckptPath`), what is printed
 * (progress bar, model summary, profiler, log interval) and how a stop or a
 * resume is handled. Everything else is the run's identity.
 *
 * @example
 * diffConfigs(saved, current, { exclude: RESUME_IGNORED_KEYS }); // [] for a resume into another run.dir
 */
export const RESUME_IGNORED_KEYS: readonly string[] = Object.freeze([
  'run',
  'ckptPath',
  'dashboard',
  'logging',
  'callbacks.progress_bar',
  'trainer.enableProgressBar',
  'trainer.enableModelSummary',
  'trainer.logEveryNSteps',
  'trainer.profiler',
  'trainer.handleSignals',
  'trainer.resume',
  'trainer.defaultRootDir',
]);

/**
 * Sections a newer release added, with what a config saved before them
 * means: a run saved without `finetune` trained with every layer at one lr,
 * which is what the shipped defaults say. A resume compares the saved
 * config's missing section as these values, so a run from an older release
 * still resumes while a changed value is still refused.
 *
 * @example
 * diffConfigs(saved, current, { exclude: RESUME_IGNORED_KEYS, absent: RESUME_ADDED_DEFAULTS });
 */
export const RESUME_ADDED_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  finetune: { freezeEpochs: 0, backboneLrScale: 1, layerDecay: null, freezeBatchNorm: false, trainBatchNormWhenFrozen: false },
});

/** Keys to leave out, as dotted keys (everything below them goes too). */
export interface FingerprintOptions {
  exclude?: readonly string[];
}

/** Options of `diffConfigs`. */
export interface DiffOptions extends FingerprintOptions {
  /** Values that a dotted key missing from `a` stands for (see `RESUME_ADDED_DEFAULTS`). */
  absent?: Readonly<Record<string, unknown>>;
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
export function diffConfigs(a: unknown, b: unknown, options: DiffOptions = {}): ConfigDifference[] {
  const exclude = options.exclude ?? [];
  const absent = options.absent ?? {};
  const out: ConfigDifference[] = [];
  const visit = (saved: unknown, y: unknown, path: KeySegment[]): void => {
    const key = joinKey(path);
    if (path.length > 0 && exclude.some((e) => isUnderKey(key, e))) return;
    const x = saved === undefined && Object.hasOwn(absent, key) ? absent[key] : saved;
    if (isConfigObject(x) && isConfigObject(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) visit(x[k], y[k], [...path, k]);
    } else if (canonicalJson(x) !== canonicalJson(y)) {
      out.push({ key, a: x, b: y });
    }
  };
  visit(a, b, []);
  return out;
}
