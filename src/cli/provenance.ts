/**
 * A run's provenance, `<run>/.config/provenance.json`: one entry per command
 * that worked in the run dir (the first `train`, then every resume), with
 * the package, libtorch and Node versions, the command line, the git commit
 * of the working directory when there is one, the host, the start and end
 * times and how it ended, and a fingerprint of the data set's file list (so
 * "was this trained on the same data?" has an answer). Written atomically at
 * the start and again at the end.
 *
 * @example
 * const entry = startProvenance(runDir, { dataFingerprint: datasetFingerprint(dm) });
 * ...; finishProvenance(runDir, entry, 'success');
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { ImageDataset } from '../data/index.js';
import { SerializationError } from '../errors.js';
import { writeFileAtomic } from '../torch/serialization/atomic-write.js';
import * as torch from '../torch/index.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** One command's entry. */
export interface ProvenanceEntry {
  command: string[];
  cwd: string;
  host: string;
  pid: number;
  versions: { package: string; libtorch: string; node: string };
  git: { commit: string; dirty: boolean } | null;
  data: DataFingerprint | null;
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'success' | 'failed' | 'interrupted';
  /** The precision and memory format the fit ran at and how they were chosen (probe timings, 'cached', 'rule', ...). */
  precision?: Record<string, unknown>;
}

/** What a data set's fingerprint covers. */
export interface DataFingerprint {
  /** sha256 over the classes and, per split, every sample's name (its path) and label. */
  sha256: string;
  samples: Record<string, number>;
  classes: number;
}

const fileOf = (runDir: string) => path.join(runDir, '.config', 'provenance.json');

/** The commit of the git checkout around `cwd`, or null (no git, not a checkout). */
function gitCommit(cwd: string): { commit: string; dirty: boolean } | null {
  try {
    const run = (args: string[]) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const commit = run(['rev-parse', 'HEAD']).trim();
    return { commit, dirty: run(['status', '--porcelain', '--untracked-files=no']).trim() !== '' };
  } catch {
    return null;
  }
}

/**
 * A fingerprint of the samples a data module set up: the class names, then
 * per split every sample's name (a path for files) and its label.
 *
 * @example
 * datasetFingerprint({ train: dm.train, val: dm.val, test: dm.test }, dm.idxToClass);
 */
export function datasetFingerprint(splits: Record<string, ImageDataset | null>, classes: readonly string[]): DataFingerprint {
  const hash = createHash('sha256').update(JSON.stringify(classes));
  const samples: Record<string, number> = {};
  for (const [split, dataset] of Object.entries(splits)) {
    if (dataset === null) continue;
    samples[split] = dataset.length;
    hash.update(`\n#${split}\n`);
    for (let i = 0; i < dataset.length; i++) hash.update(`${dataset.describe(i)}\t${dataset.targets[i]}\n`);
  }
  return { sha256: hash.digest('hex'), samples, classes: classes.length };
}

function readEntries(runDir: string): ProvenanceEntry[] {
  try {
    const parsed = JSON.parse(readFileSync(fileOf(runDir), 'utf8')) as { runs?: unknown };
    return Array.isArray(parsed.runs) ? (parsed.runs as ProvenanceEntry[]) : [];
  } catch {
    return []; // none yet, or unreadable: start the list again rather than fail the run
  }
}

function write(runDir: string, entries: readonly ProvenanceEntry[]): void {
  try {
    writeFileAtomic(fileOf(runDir), Buffer.from(`${JSON.stringify({ runs: entries }, null, 2)}\n`), { what: 'provenance' });
  } catch (error) {
    throw new SerializationError(`provenance: expected to write ${fileOf(runDir)}, but got ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Appends this command's entry (status 'running') to the run's provenance and returns it.
 *
 * @example
 * const entry = startProvenance('outputs/r1', { data: datasetFingerprint(splits, classes) });
 */
export function startProvenance(runDir: string, options: { data: DataFingerprint | null }): ProvenanceEntry {
  const entry: ProvenanceEntry = {
    command: process.argv.slice(1),
    cwd: process.cwd(),
    host: hostname(),
    pid: process.pid,
    versions: { package: pkg.version, libtorch: torch.version(), node: process.version },
    git: gitCommit(process.cwd()),
    data: options.data,
    startedAt: new Date().toISOString(),
    endedAt: null,
    status: 'running',
  };
  write(runDir, [...readEntries(runDir), entry]);
  return entry;
}

/**
 * Sets the end time and status of `entry` (matched by pid and start time) in the run's provenance.
 *
 * @example
 * finishProvenance('outputs/r1', entry, 'interrupted', { precision: provenanceRecord(trainer.precisionChoice) });
 */
export function finishProvenance(
  runDir: string,
  entry: ProvenanceEntry,
  status: ProvenanceEntry['status'],
  extra: Pick<ProvenanceEntry, 'precision'> = {},
): void {
  const done = { ...entry, ...extra, endedAt: new Date().toISOString(), status };
  const entries = readEntries(runDir);
  const at = entries.findIndex((e) => e.pid === entry.pid && e.startedAt === entry.startedAt);
  write(runDir, at < 0 ? [...entries, done] : entries.map((e, i) => (i === at ? done : e)));
}
