/**
 * A sweep's folder, as `train -m` leaves it: `multirun.yaml` (the runs'
 * overrides, so a second start can tell it is the same sweep), one run
 * folder per run (`<n>/`, a single run's folder), a `done.json` marker
 * written atomically into a run's folder once it succeeded, and the
 * summary `multirun.csv`.
 *
 * @example
 * const dir = new SweepDir('multirun/2026-11-26/17-40-00');
 * dir.claim(runs); dir.done(0); // null until run 0 has succeeded
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { SweepRun } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { writeFileAtomic } from '../../torch/serialization/atomic-write.js';

/** What a finished run leaves in `<n>/done.json`. */
export interface DoneMarker {
  n: number;
  overrides: string[];
  /** The run's final metrics (`val/...`, `train/...`) and test metrics when it was tested. */
  metrics: Record<string, number>;
  test?: Record<string, number>;
  finishedAt: string;
}

/**
 * The overrides without `run.sweepDir=...`: what identifies a run, since the
 * second start of a sweep names the dir the first one made up.
 *
 * @example
 * withoutSweepDir(['a=1', 'run.sweepDir=x']); // ['a=1']
 */
export function withoutSweepDir(overrides: readonly string[]): string[] {
  return overrides.filter((o) => !/^(\+\+|\+)?run\.sweepDir=/.test(o));
}

/** A sweep's folder on disk. */
export class SweepDir {
  /** Absolute path. */
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The folder of run `n`. @example dir.runDir(3); // '/abs/multirun/…/3' */
  runDir(n: number): string {
    return path.join(this.root, String(n));
  }

  /**
   * Creates the folder and writes `multirun.yaml`, or checks that the one
   * there lists the same runs (a different sweep in the same folder is a
   * ConfigError naming the first run that differs).
   */
  claim(runs: readonly SweepRun[]): void {
    const file = path.join(this.root, 'multirun.yaml');
    const saved = existsSync(file) ? (YAML.parse(readFileSync(file, 'utf8')) as { runs?: { overrides?: string[] }[] } | null) : null;
    if (saved !== null) {
      const before = (saved.runs ?? []).map((r) => withoutSweepDir(r.overrides ?? []).join(' '));
      const now = runs.map((r) => withoutSweepDir(r.overrides).join(' '));
      const n = before.length !== now.length ? -1 : now.findIndex((o, i) => o !== before[i]);
      if (before.length !== now.length || n >= 0) {
        const got = n < 0 ? `${now.length} runs where it has ${before.length}` : `run ${n} as '${now[n]}' where it has '${before[n]}'`;
        const message = `multirun: expected the sweep saved in ${file}, but got ${got}; run the same overrides to finish it, or set another run.sweepDir`;
        throw new ConfigError(message, [{ path: 'run.sweepDir', message, location: file }]);
      }
      return;
    }
    mkdirSync(this.root, { recursive: true });
    const text = YAML.stringify({ runs: runs.map((r) => ({ n: r.n, overrides: withoutSweepDir(r.overrides) })) });
    writeFileAtomic(file, Buffer.from(text), { what: 'multirun.yaml' });
  }

  /** Run `n`'s marker, or null when it has not succeeded (no marker, or one that does not read). */
  done(n: number): DoneMarker | null {
    try {
      return JSON.parse(readFileSync(path.join(this.runDir(n), 'done.json'), 'utf8')) as DoneMarker;
    } catch {
      return null;
    }
  }

  /** Marks run `n` as finished, atomically: a crash leaves either no marker or a whole one. */
  markDone(marker: DoneMarker): void {
    const file = path.join(this.runDir(marker.n), 'done.json');
    writeFileAtomic(file, Buffer.from(`${JSON.stringify(marker, null, 2)}\n`), { what: 'done marker' });
  }

  /** Whether run `n` saved a checkpoint to resume from (what `ckptPath=last` finds). */
  hasCheckpoint(n: number): boolean {
    const dir = path.join(this.runDir(n), 'checkpoints');
    return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.ckpt'));
  }

  /** Writes `multirun.csv` atomically. */
  writeSummary(csv: string): string {
    const file = path.join(this.root, 'multirun.csv');
    writeFileAtomic(file, Buffer.from(csv), { what: 'multirun.csv' });
    return file;
  }
}
