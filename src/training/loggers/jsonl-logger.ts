/**
 * `JSONLLogger`: `metrics.jsonl`, one JSON object per `logMetrics` call
 * (`{"epoch", "step", "time", ...metrics}`, `time` in ISO 8601) and one
 * `{"hparams": {...}}` line per `logHyperparams` (with `"metrics"` when
 * given). Easy to read with `jq` or `pandas.read_json(lines=True)`. A fresh
 * run starts the file empty; a resumed run appends. Non-finite numbers are
 * written as `null` (JSON has no NaN). Lines are buffered and written on
 * `flush()`, every `flushEverySteps` steps and on `finalize`.
 *
 * @example
 * const jsonl = new JSONLLogger();
 * await jsonl.setup('outputs/2026-11-26/17-40-00', { resumed: false });
 * jsonl.logMetrics({ 'val/acc_top1': 0.87 }, { step: 1200, epoch: 3 });
 * await jsonl.finalize('success');
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { SerializationError } from '../../errors.js';
import { register } from '../../registry.js';
import type { LogStep, Logger, RunStatus } from '../logger.js';
import { fsAttempt } from './fs-attempt.js';

const NAME = 'JSONLLogger';

/** Options of `JSONLLogger`. */
export interface JSONLLoggerOptions {
  /** Folder of the file; defaults to the run directory given to `setup`. */
  dir?: string;
  /** File name (default `metrics.jsonl`). */
  filename?: string;
  /** Writes buffered lines once this many optimizer steps passed since the last write (default 100). */
  flushEverySteps?: number;
}

/** Logs metrics as JSON lines. */
export class JSONLLogger implements Logger {
  readonly name = 'jsonl';
  readonly #options: JSONLLoggerOptions;
  readonly #flushEverySteps: number;
  #path: string | null = null;
  #pending: string[] = [];
  #lastStep = 0;
  #lastFlushStep = 0;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: JSONLLoggerOptions = {}) {
    this.#options = options;
    this.#flushEverySteps = options.flushEverySteps ?? 100;
  }

  /** The file's path (null before `setup`). */
  get path(): string | null {
    return this.#path;
  }

  async setup(runDir: string, options: { resumed: boolean }): Promise<void> {
    const path = join(this.#options.dir ?? runDir, this.#options.filename ?? 'metrics.jsonl');
    await fsAttempt(NAME, 'create the folder of', path, () => mkdir(dirname(path), { recursive: true }));
    this.#path = path;
    this.#pending = [];
    await fsAttempt(NAME, options.resumed ? 'open' : 'create', path, () => writeFile(path, '', { flag: options.resumed ? 'a' : 'w' }));
  }

  #push(record: Record<string, unknown>): void {
    if (this.#path === null) throw new SerializationError('JSONLLogger: expected setup(runDir) before logging, but got no file');
    this.#pending.push(`${JSON.stringify(record)}\n`);
  }

  logMetrics(metrics: Readonly<Record<string, number>>, at: LogStep): void | Promise<void> {
    this.#push({ epoch: at.epoch, step: at.step, time: new Date().toISOString(), ...metrics });
    this.#lastStep = at.step;
    if (at.step - this.#lastFlushStep >= this.#flushEverySteps) return this.flush();
  }

  logHyperparams(params: Readonly<Record<string, unknown>>, metrics?: Readonly<Record<string, number>>): void {
    this.#push(metrics === undefined ? { hparams: params } : { hparams: params, metrics });
  }

  flush(): Promise<void> {
    this.#lastFlushStep = this.#lastStep;
    const path = this.#path;
    if (path !== null && this.#pending.length > 0) {
      const text = this.#pending.join('');
      this.#pending = [];
      this.#writes = this.#writes.then(() => fsAttempt(NAME, 'append to', path, () => appendFile(path, text)));
    }
    return this.#writes;
  }

  async finalize(_status: RunStatus): Promise<void> {
    await this.flush();
  }
}

const schema = z
  .object({
    dir: z.string().min(1).optional(),
    filename: z.string().min(1).default('metrics.jsonl'),
    flushEverySteps: z.number().int().positive().default(100),
  })
  .strict();

register({
  group: 'logger',
  name: 'jsonl',
  schema,
  description: 'metrics.jsonl: one JSON object per logged step, hparams as one line',
  build: (o: z.output<typeof schema>) => new JSONLLogger(o),
});
