/**
 * `classifier-training data check <root>`: looks a data set over before
 * training and reports what would hurt it: unreadable images, empty classes,
 * classes missing from a split, files duplicated across splits (same bytes,
 * by sha256: a test image that is also a train image inflates accuracy),
 * and the per-class counts of every split.
 *
 * @example
 * const report = await dataCheck('data/pets', { concurrency: 8 });
 * console.log(formatDataCheck(report));
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, DataError } from '../../errors.js';
import { mapLimit } from '../../data/async-limiter.js';
import { detectFormat } from '../../data/datamodule.js';
import { decodeImage } from '../../data/decode.js';
import { IdxDataset } from '../../data/datasets/idx-dataset.js';
import { findSplitDir, ImageFolder, scanSplitFolder } from '../../data/datasets/image-folder.js';
import type { SplitName } from '../../data/datasets/image-folder.js';
import { JsonlDataset, readJsonlSplit } from '../../data/datasets/jsonl-dataset.js';

/** Options for `dataCheck`. */
export interface DataCheckOptions {
  /** Default: detected from the folder. */
  format?: 'auto' | 'folder' | 'jsonl' | 'idx';
  /** Decode every image to find unreadable ones (default true; false only hashes). */
  decode?: boolean;
  /** Files read at once (default 8). */
  concurrency?: number;
  /** Told about symbolic-link loops and the like. */
  onWarning?: (message: string) => void;
}

/** What `dataCheck` found. */
export interface DataCheckReport {
  root: string;
  format: 'folder' | 'jsonl' | 'idx';
  /** Splits found, in train, val, test order. */
  splits: SplitName[];
  /** Every class seen in any split: train's first (sorted), then the others'. */
  classes: string[];
  /** counts[split][class]. */
  counts: Record<string, Record<string, number>>;
  /** Class folders with no image. */
  emptyClasses: { split: SplitName; className: string }[];
  /** A train class absent from another split, or a class of another split absent from train. */
  missingClasses: { split: SplitName; className: string }[];
  unreadable: { path: string; reason: string }[];
  /** Groups of byte-identical files that sit in more than one split. */
  duplicates: { sha256: string; paths: string[] }[];
  /** Images directly under a split folder, outside any class folder (training ignores them). */
  strayFiles: string[];
  /** What training would refuse, split by split, in training's own words (an empty split, an unreadable folder, ...). */
  trainingErrors: { split: SplitName; reason: string }[];
  /** The one class of a data set that has only one (a classifier needs two), or null. */
  singleClass: string | null;
  /** Number of findings above that deserve attention (empty, missing, unreadable, duplicates, stray, training errors, single class). */
  problems: number;
}

const SPLITS: SplitName[] = ['train', 'val', 'test'];

/** Lists files per split and class (nothing is decoded here). */
async function listSplits(
  root: string,
  format: 'folder' | 'jsonl',
  found: { stray: string[]; errors: DataCheckReport['trainingErrors'] },
  onWarning?: (m: string) => void,
): Promise<Map<SplitName, Map<string, string[]>>> {
  const out = new Map<SplitName, Map<string, string[]>>();
  for (const split of SPLITS) {
    const dir = await findSplitDir(root, split);
    if (dir === null) continue;
    try {
      out.set(split, await listSplit(dir, format, found.stray, onWarning));
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      found.errors.push({ split, reason: error.message });
    }
  }
  return out;
}

async function listSplit(
  dir: string,
  format: 'folder' | 'jsonl',
  stray: string[],
  onWarning?: (m: string) => void,
): Promise<Map<string, string[]>> {
  if (format === 'folder') {
    return scanSplitFolder(dir, {
      onLoop: (p) => onWarning?.(`data check: symbolic-link loop at ${p} not followed`),
      onStray: (f) => stray.push(f),
    });
  }
  const byClass = new Map<string, string[]>();
  for (const row of await readJsonlSplit(dir)) byClass.set(row.label, [...(byClass.get(row.label) ?? []), row.image]);
  return new Map([...byClass].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Loads each listed split as training does, so data check refuses exactly what training refuses. */
async function trainingRules(
  root: string,
  format: 'folder' | 'jsonl',
  splits: SplitName[],
  errors: DataCheckReport['trainingErrors'],
): Promise<void> {
  for (const split of splits) {
    try {
      await (format === 'folder' ? ImageFolder.load({ root, split }) : JsonlDataset.load({ root, split }));
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      if (!errors.some((e) => e.reason === error.message)) errors.push({ split, reason: error.message });
    }
  }
}

/**
 * Checks a data folder (image folder or JSONL; IDX gets counts only).
 *
 * @example
 * const report = await dataCheck('data/pets');
 * if (report.problems > 0) process.exitCode = 1;
 */
export async function dataCheck(root: string, options: DataCheckOptions = {}): Promise<DataCheckReport> {
  checkOptions(options);
  const format = options.format === undefined || options.format === 'auto' ? await detectFormat(root) : options.format;
  if (format === 'idx') return idxCheck(root);
  const strayFiles: string[] = [];
  const trainingErrors: DataCheckReport['trainingErrors'] = [];
  const listing = await listSplits(root, format, { stray: strayFiles, errors: trainingErrors }, options.onWarning);
  if (!listing.has('train') && !trainingErrors.some((e) => e.split === 'train'))
    throw new DataError(`data check: expected a train/ folder under ${path.resolve(root)}, but got none`);
  const splits = [...listing.keys()];
  const trainClasses = [...(listing.get('train')?.keys() ?? [])];
  const classes = [
    ...new Set([
      ...trainClasses,
      ...splits.flatMap((s) => [...(listing.get(s)?.keys() ?? [])].filter((c) => !trainClasses.includes(c)).sort()),
    ]),
  ];
  const counts: DataCheckReport['counts'] = {};
  const emptyClasses: DataCheckReport['emptyClasses'] = [];
  const missingClasses: DataCheckReport['missingClasses'] = [];
  for (const split of splits) {
    const byClass = listing.get(split) ?? new Map<string, string[]>();
    counts[split] = Object.fromEntries(classes.map((c) => [c, byClass.get(c)?.length ?? 0]));
    for (const [className, files] of byClass) if (files.length === 0) emptyClasses.push({ split, className });
  }
  const trainCount = (c: string): number => listing.get('train')?.get(c)?.length ?? 0;
  for (const split of splits.filter((s) => s !== 'train')) {
    const byClass = listing.get(split) ?? new Map<string, string[]>();
    for (const className of classes) {
      const here = byClass.get(className)?.length ?? 0;
      if (trainCount(className) > 0 && here === 0 && !byClass.has(className)) missingClasses.push({ split, className });
      if (trainCount(className) === 0 && here > 0) missingClasses.push({ split: 'train', className });
    }
  }
  await trainingRules(root, format, splits, trainingErrors);
  const singleClass = classes.length === 1 ? classes[0] : null;
  const files = splits.flatMap((split) => [...(listing.get(split)?.values() ?? [])].flat().map((file) => ({ split, file })));
  const { unreadable, duplicates } = await inspectFiles(files, options);
  const unique = dedupe(missingClasses);
  return {
    root: path.resolve(root),
    format,
    splits,
    classes,
    counts,
    emptyClasses,
    missingClasses: unique,
    unreadable,
    duplicates,
    strayFiles,
    trainingErrors,
    singleClass,
    problems:
      emptyClasses.length +
      unique.length +
      unreadable.length +
      duplicates.length +
      strayFiles.length +
      trainingErrors.length +
      (singleClass === null ? 0 : 1),
  };
}

const FORMATS: readonly string[] = ['auto', 'folder', 'jsonl', 'idx'];

/** Every bad option at once, before any file is read (an unknown format would otherwise be read as JSONL). */
function checkOptions(options: DataCheckOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (options.format !== undefined && !FORMATS.includes(options.format)) {
    issues.push({ path: 'format', message: `expected one of ${FORMATS.join(', ')}, but got '${String(options.format)}'` });
  }
  const { concurrency } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    issues.push({ path: 'concurrency', message: `expected a positive integer, but got ${String(concurrency)}` });
  }
  if (issues.length > 0) {
    throw new ConfigError(
      `data check: expected valid options, but got ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
}

function dedupe(items: { split: SplitName; className: string }[]): { split: SplitName; className: string }[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(`${i.split}/${i.className}`) && seen.add(`${i.split}/${i.className}`) !== undefined);
}

/** Reads every file once: hashes it, and decodes it unless told not to. */
async function inspectFiles(
  files: { split: SplitName; file: string }[],
  options: DataCheckOptions,
): Promise<Pick<DataCheckReport, 'unreadable' | 'duplicates'>> {
  const results = await mapLimit(files, options.concurrency ?? 8, async ({ file }) => {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      return { hash: null, reason: error instanceof Error ? error.message : String(error) };
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (options.decode === false) return { hash, reason: null };
    try {
      await decodeImage(bytes, { channels: 3, name: file });
      return { hash, reason: null };
    } catch (error) {
      return { hash, reason: (error instanceof Error ? error.message : String(error)).replace(/^decodeImage: /, '') };
    }
  });
  const unreadable = results.flatMap((r, i) => (r.reason === null ? [] : [{ path: files[i].file, reason: r.reason }]));
  const byHash = new Map<string, number[]>();
  results.forEach((r, i) => r.hash !== null && byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), i]));
  const duplicates = [...byHash]
    .filter(([, idx]) => new Set(idx.map((i) => files[i].split)).size > 1)
    .map(([sha256, idx]) => ({ sha256, paths: idx.map((i) => files[i].file) }));
  return { unreadable, duplicates };
}

async function idxCheck(root: string): Promise<DataCheckReport> {
  const counts: DataCheckReport['counts'] = {};
  const splits: SplitName[] = [];
  let classes: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const ds = await IdxDataset.load({ dir: root, split }).catch(() => null);
    if (ds === null) continue;
    splits.push(split);
    classes = [...ds.classes];
    counts[split] = Object.fromEntries(ds.classes.map((c) => [c, 0]));
    for (const t of ds.targets) counts[split][ds.classes[t]]++;
  }
  if (splits.length === 0) throw new DataError(`data check: expected train-/t10k- IDX files in ${path.resolve(root)}, but got none`);
  return {
    root: path.resolve(root),
    format: 'idx',
    splits,
    classes,
    counts,
    emptyClasses: [],
    missingClasses: [],
    unreadable: [],
    duplicates: [],
    strayFiles: [],
    trainingErrors: [],
    singleClass: classes.length === 1 ? classes[0] : null,
    problems: classes.length === 1 ? 1 : 0,
  };
}

/**
 * The report as text: a class × split table, then each kind of finding.
 *
 * @example
 * console.log(formatDataCheck(await dataCheck('data/pets')));
 */
export function formatDataCheck(report: DataCheckReport): string {
  const width = Math.max(5, ...report.classes.map((c) => c.length));
  const cols = report.splits;
  const row = (name: string, cells: (string | number)[]): string =>
    `  ${name.padEnd(width)}  ${cells.map((c) => String(c).padStart(7)).join('  ')}`;
  const total = (split: string): number => Object.values(report.counts[split] ?? {}).reduce((a, b) => a + b, 0);
  const lines = [
    `${report.root} (${report.format}): ${report.classes.length} classes, ${cols.map((s) => `${s} ${total(s)}`).join(', ')}`,
    row('class', cols),
    ...report.classes.map((c) =>
      row(
        c,
        cols.map((s) => report.counts[s]?.[c] ?? 0),
      ),
    ),
    row('total', cols.map(total)),
  ];
  const section = (title: string, items: string[]): void => {
    if (items.length > 0)
      lines.push(
        `${title} (${items.length}):`,
        ...items.slice(0, 20).map((i) => `  ${i}`),
        ...(items.length > 20 ? [`  ... and ${items.length - 20} more`] : []),
      );
  };
  section(
    'unreadable files',
    report.unreadable.map((u) => `${u.path}: ${u.reason}`),
  );
  section(
    'empty classes',
    report.emptyClasses.map((e) => `${e.split}/${e.className}`),
  );
  section(
    'classes missing from a split',
    report.missingClasses.map((m) => (m.split === 'train' ? `${m.className}: not in train` : `${m.className}: not in ${m.split}`)),
  );
  section(
    'duplicates across splits',
    report.duplicates.map((d) => d.paths.join(' == ')),
  );
  section('images outside a class folder (ignored in training)', report.strayFiles);
  section(
    'refused by training',
    report.trainingErrors.map((e) => `${e.split}: ${e.reason}`),
  );
  if (report.singleClass !== null) lines.push(`only one class ('${report.singleClass}'): a classifier needs at least two`);
  lines.push(report.problems === 0 ? 'no problems found' : `${report.problems} problem(s) found`);
  return lines.join('\n');
}

/**
 * Adds `data check <root>` to the program (under a `data` command, created if absent).
 *
 * @example
 * register(program); // classifier-training data check data/pets --json
 */
export function register(program: Command): void {
  const data = program.commands.find((c) => c.name() === 'data') ?? program.command('data').description('inspect data sets');
  data
    .command('check')
    .description('report unreadable images, empty or missing classes, duplicates across splits and per-class counts')
    .argument('<root>', 'data folder (image folder, JSONL annotations or IDX files)')
    .option('--format <format>', 'auto, folder, jsonl or idx', 'auto')
    .option('--no-decode', 'only hash files (faster; unreadable images go unnoticed)')
    .option('--concurrency <n>', 'files read at once', (v) => Number.parseInt(v, 10), 8)
    .option('--json', 'print the report as JSON')
    .action(async (root: string, opts: { format: DataCheckOptions['format']; decode: boolean; concurrency: number; json?: boolean }) => {
      const report = await dataCheck(root, {
        format: opts.format,
        decode: opts.decode,
        concurrency: opts.concurrency,
        onWarning: (m) => console.warn(m),
      });
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatDataCheck(report));
      if (report.problems > 0) process.exitCode = 1;
    });
}
