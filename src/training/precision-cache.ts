/**
 * The cache of `precision: auto` probe results, so a probe runs once per CPU,
 * thread count, model, input shape, batch size and device: one JSON file,
 * `precision-auto.json`, under `$CLASSIFIER_TRAINING_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/classifier-training`, else `~/.cache/classifier-training`.
 * Written atomically; a file that does not parse is ignored with a warning
 * (and replaced by the next write), never fatal: the cache only saves time.
 *
 * @example
 * const cache = new PrecisionCache({ warn: console.warn });
 * const key = probeKey({ cpu: cpuIdentity(), threads: 2, model: 'ClassificationModule:ab12', inputShape: [1, 28, 28], batchSize: 128, device: 'cpu', candidates });
 * cache.get(key) ?? cache.set(key, { choice, timings });
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fsReason } from '../errors.js';
import { writeFileAtomic } from '../torch/serialization/atomic-write.js';
import type { CandidateTiming, PrecisionChoice } from './precision-choice.js';

/** What a probe result depends on; any change is a cache miss. */
export interface ProbeKeyParts {
  /** The CPU's model name and flags (`cpuIdentity()`). */
  cpu: string;
  threads: number;
  /** The module's class and a hash of its config and parameter shapes. */
  model: string;
  /** One sample's shape, [C, H, W]. */
  inputShape: readonly number[];
  batchSize: number;
  device: 'cpu' | 'cuda';
  candidates: readonly PrecisionChoice[];
  /** libtorch's version: a new oneDNN may change the answer. */
  libtorch: string;
}

/** A cached probe result. */
export interface CachedProbe {
  choice: PrecisionChoice;
  timings: CandidateTiming[];
  savedAt: string;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CachedProbe & { key: ProbeKeyParts }>;
}

/** The cache folder as the environment names it. @example precisionCacheDir({ XDG_CACHE_HOME: '/c' }); // '/c/classifier-training' */
export function precisionCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CLASSIFIER_TRAINING_CACHE_DIR) return env.CLASSIFIER_TRAINING_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'classifier-training');
}

/** The key of a probe result: a hash of every part. @example probeKey(parts).length; // 64 */
export function probeKey(parts: ProbeKeyParts): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The CPU's model name and feature flags, from /proc/cpuinfo (the platform and arch where it cannot be read). @example cpuIdentity(); */
export function cpuIdentity(): string {
  try {
    const lines = readFileSync('/proc/cpuinfo', 'utf8').split('\n');
    const field = (name: string) =>
      lines
        .find((l) => l.startsWith(name))
        ?.split(':')[1]
        ?.trim() ?? '';
    return `${field('model name')} | ${field('flags')}`;
  } catch {
    return `${process.platform}-${process.arch}`;
  }
}

/** Reads and writes the probe cache file; see the module doc. */
export class PrecisionCache {
  readonly file: string;
  readonly #warn: (message: string) => void;

  constructor(options: { dir?: string; warn: (message: string) => void }) {
    this.file = path.join(options.dir ?? precisionCacheDir(), 'precision-auto.json');
    this.#warn = options.warn;
  }

  /** The cached result for `parts`, or null (none, or an unreadable file). */
  get(parts: ProbeKeyParts): CachedProbe | null {
    const entry = this.#read().entries[probeKey(parts)];
    if (entry === undefined) return null;
    if (!parts.candidates.some((c) => c.precision === entry.choice?.precision && c.memoryFormat === entry.choice?.memoryFormat)) {
      this.#warn(`precision auto: ignoring a probe cache entry of ${this.file} that names no candidate; probing again`);
      return null;
    }
    return { choice: entry.choice, timings: Array.isArray(entry.timings) ? entry.timings : [], savedAt: entry.savedAt };
  }

  /** Stores a result; a write that fails is a warning (the run goes on with its choice). */
  set(parts: ProbeKeyParts, result: { choice: PrecisionChoice; timings: CandidateTiming[] }): void {
    const file = this.#read({ quiet: true });
    file.entries[probeKey(parts)] = { ...result, savedAt: new Date().toISOString(), key: parts };
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, Buffer.from(`${JSON.stringify(file, null, 1)}\n`), { what: 'precision cache' });
    } catch (error) {
      this.#warn(`precision auto: could not write the probe cache ${this.file} (${fsReason(error)}); the next run probes again`);
    }
  }

  #read(options: { quiet?: boolean } = {}): CacheFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { version: 1, entries: {} }; // no cache yet
    }
    try {
      const parsed = JSON.parse(text) as Partial<CacheFile>;
      if (parsed.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) throw new Error('not a version 1 cache');
      return parsed as CacheFile;
    } catch (error) {
      if (options.quiet !== true)
        this.#warn(`precision auto: ignoring the unreadable probe cache ${this.file} (${(error as Error).message}); it will be rewritten`);
      return { version: 1, entries: {} };
    }
  }
}
