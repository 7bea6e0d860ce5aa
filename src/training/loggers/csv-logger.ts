/**
 * `CSVLogger`: Lightning's metrics.csv. Columns are `epoch`, `step`, then the
 * metric names in the order they first appeared; each `logMetrics` call is
 * one row, blank where a metric was not logged. When a new name appears
 * after rows were written, the next flush rewrites the file (atomically)
 * with the widened header. A resumed run keeps the file and its columns and
 * appends. Rows are buffered and written on `flush()`, every
 * `flushEverySteps` steps and on `finalize`; hyperparameters go to
 * `hparams.yaml` beside the file, as Lightning's CSVLogger does.
 *
 * @example
 * const csv = new CSVLogger({ flushEverySteps: 50 });
 * await csv.setup('outputs/2026-11-26/17-40-00', { resumed: false });
 * csv.logMetrics({ 'train/loss_step': 0.52 }, { step: 10, epoch: 0 });
 * await csv.finalize('success');
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { SerializationError } from '../../errors.js';
import { register } from '../../registry.js';
import type { LogStep, Logger, RunStatus } from '../logger.js';
import { formatCsvRow, parseCsv } from './csv.js';
import { fsAttempt } from './fs-attempt.js';

const NAME = 'CSVLogger';

/** Options of `CSVLogger`. */
export interface CSVLoggerOptions {
  /** Folder of the file; defaults to the run directory given to `setup`. */
  dir?: string;
  /** File name (default `metrics.csv`). */
  filename?: string;
  /** Writes buffered rows once this many optimizer steps passed since the last write (default 100). */
  flushEverySteps?: number;
}

interface Row {
  epoch: number;
  step: number;
  metrics: Readonly<Record<string, number>>;
}

const FIXED = ['epoch', 'step'];

/** Logs metrics to a CSV file. */
export class CSVLogger implements Logger {
  readonly name = 'csv';
  readonly #options: CSVLoggerOptions;
  readonly #flushEverySteps: number;
  #path: string | null = null;
  /** Metric columns in first-seen order. */
  #columns: string[] = [];
  #known = new Set<string>();
  /** How many metric columns the file's header has (null: the file is still to be created). */
  #fileColumns: number | null = null;
  #pending: Row[] = [];
  #lastStep = 0;
  #lastFlushStep = 0;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: CSVLoggerOptions = {}) {
    this.#options = options;
    this.#flushEverySteps = options.flushEverySteps ?? 100;
  }

  /** The CSV file's path (null before `setup`). */
  get path(): string | null {
    return this.#path;
  }

  async setup(runDir: string, options: { resumed: boolean }): Promise<void> {
    const path = join(this.#options.dir ?? runDir, this.#options.filename ?? 'metrics.csv');
    await fsAttempt(NAME, 'create the folder of', path, () => mkdir(dirname(path), { recursive: true }));
    this.#path = path;
    this.#columns = [];
    this.#known = new Set();
    this.#fileColumns = null;
    this.#pending = [];
    if (!options.resumed || !existsSync(path)) return;
    const header = parseCsv(await fsAttempt(NAME, 'read', path, () => readFile(path, 'utf8')), path)[0] ?? [];
    if (header.length < 2 || header[0] !== 'epoch' || header[1] !== 'step') {
      throw new SerializationError(
        `CSVLogger: expected ${path} to start with the columns epoch,step, but got ${header.slice(0, 2).join(',') || 'an empty file'}`,
      );
    }
    this.#columns = header.slice(2);
    this.#known = new Set(this.#columns);
    this.#fileColumns = this.#columns.length;
  }

  logMetrics(metrics: Readonly<Record<string, number>>, at: LogStep): void | Promise<void> {
    if (this.#path === null) throw new SerializationError('CSVLogger: expected setup(runDir) before logMetrics, but got no file');
    for (const name of Object.keys(metrics)) {
      if (this.#known.has(name)) continue;
      this.#known.add(name);
      this.#columns.push(name);
    }
    this.#pending.push({ epoch: at.epoch, step: at.step, metrics: { ...metrics } });
    this.#lastStep = at.step;
    if (at.step - this.#lastFlushStep >= this.#flushEverySteps) return this.flush();
  }

  /** Writes the hyperparameters to `hparams.yaml` beside the CSV file (with `metrics` when given). */
  async logHyperparams(params: Readonly<Record<string, unknown>>, metrics?: Readonly<Record<string, number>>): Promise<void> {
    if (this.#path === null) throw new SerializationError('CSVLogger: expected setup(runDir) before logHyperparams, but got no file');
    const record = metrics === undefined ? params : { ...params, metrics };
    const file = join(dirname(this.#path), 'hparams.yaml');
    await fsAttempt(NAME, 'write', file, () => writeFile(file, stringify(record)));
  }

  flush(): Promise<void> {
    this.#lastFlushStep = this.#lastStep;
    const rows = this.#pending;
    const columns = [...this.#columns];
    this.#pending = [];
    this.#writes = this.#writes.then(() => this.#write(rows, columns));
    return this.#writes;
  }

  async #write(rows: readonly Row[], columns: readonly string[]): Promise<void> {
    const path = this.#path;
    if (path === null) return;
    const lines = rows.map((r) =>
      formatCsvRow([String(r.epoch), String(r.step), ...columns.map((c) => (c in r.metrics ? String(r.metrics[c]) : ''))]),
    );
    const header = formatCsvRow([...FIXED, ...columns]);
    if (this.#fileColumns === null) {
      if (rows.length === 0) return;
      await fsAttempt(NAME, 'write', path, () => writeFile(path, header + lines.join('')));
    } else if (this.#fileColumns < columns.length) {
      // A new metric name: rewrite with the widened header; old rows get blanks in the new columns.
      const old = parseCsv(await fsAttempt(NAME, 'read', path, () => readFile(path, 'utf8')), path).slice(1);
      const padded = old.map((fields) =>
        formatCsvRow([...fields, ...new Array<string>(Math.max(0, FIXED.length + columns.length - fields.length)).fill('')]),
      );
      await this.#replace(path, header + padded.join('') + lines.join(''));
    } else if (rows.length > 0) {
      await fsAttempt(NAME, 'append to', path, () => appendFile(path, lines.join('')));
    }
    this.#fileColumns = columns.length;
  }

  /** Rewrites `path` through a temporary file, removed again when the write fails, so the rows already saved stay whole. */
  async #replace(path: string, text: string): Promise<void> {
    const temporary = `${path}.tmp`;
    try {
      await fsAttempt(NAME, 'write', path, () => writeFile(temporary, text));
      await fsAttempt(NAME, 'rename a temporary file over', path, () => rename(temporary, path));
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  async finalize(_status: RunStatus): Promise<void> {
    await this.flush();
  }
}

const schema = z
  .object({
    dir: z.string().min(1).optional(),
    filename: z.string().min(1).default('metrics.csv'),
    flushEverySteps: z.number().int().positive().default(100),
  })
  .strict();

register({
  group: 'logger',
  name: 'csv',
  schema,
  description: "metrics.csv in Lightning's CSVLogger layout (epoch, step, then metrics)",
  build: (o: z.output<typeof schema>) => new CSVLogger(o),
});
