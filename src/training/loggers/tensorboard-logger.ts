/**
 * `TensorBoardLogger`: writes TensorBoard event files into the run directory
 * (`events.out.tfevents.<unix seconds>.<hostname>.<pid>.<n>`), readable by
 * TensorBoard itself: scalars as `simple_value` summaries, PNG images as
 * image summaries, hyperparameters through the hparams plugin. Each `setup`
 * starts a new file (a resumed run adds one; TensorBoard merges the files of
 * a folder). Events are buffered and written on `flush()` or every
 * `flushEverySteps` steps; `finalize` writes the session status, fsyncs and
 * closes the file.
 *
 * @example
 * const tb = new TensorBoardLogger();
 * await tb.setup('outputs/2026-11-26/17-40-00', { resumed: false });
 * tb.logMetrics({ 'train/loss': 0.41 }, { step: 100, epoch: 0 });
 * await tb.finalize('success');
 */
import { z } from 'zod';
import { DataError, SerializationError } from '../../errors.js';
import { register } from '../../registry.js';
import type { LogStep, Logger, RunStatus } from '../logger.js';
import { EventFileWriter } from './tfevents/event-file-writer.js';
import { hparamsEndSummary, hparamsStartSummaries } from './tfevents/hparams.js';

/** Options of `TensorBoardLogger`. */
export interface TensorBoardLoggerOptions {
  /** Folder for the event files; defaults to the run directory given to `setup`. */
  dir?: string;
  /** Writes buffered events once this many optimizer steps passed since the last write (default 100). */
  flushEverySteps?: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PNG colour type → `Summary.Image.colorspace` (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA). */
const COLORSPACE: Record<number, number> = { 0: 1, 4: 2, 2: 3, 3: 3, 6: 4 };

/** Width, height and colorspace from a PNG's IHDR chunk. */
function pngInfo(tag: string, png: Buffer): { width: number; height: number; colorspace: number } {
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new DataError(
      `TensorBoardLogger: expected PNG bytes for image '${tag}', but got ${png.length} bytes that do not start with a PNG header`,
    );
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorspace: COLORSPACE[png[25]] ?? 3 };
}

/** Logs to TensorBoard event files. */
export class TensorBoardLogger implements Logger {
  readonly name = 'tensorboard';
  readonly #dir: string | undefined;
  readonly #flushEverySteps: number;
  #writer: EventFileWriter | null = null;
  #lastFlushStep = 0;
  #lastStep = 0;
  #hparamsLogged = false;
  readonly #seenTags = new Set<string>();

  constructor(options: TensorBoardLoggerOptions = {}) {
    this.#dir = options.dir;
    this.#flushEverySteps = options.flushEverySteps ?? 100;
  }

  /** The event file being written (null before `setup`). */
  get path(): string | null {
    return this.#writer?.path ?? null;
  }

  async setup(runDir: string, _options: { resumed: boolean }): Promise<void> {
    await this.#writer?.close();
    this.#writer = await EventFileWriter.create(this.#dir ?? runDir);
    this.#hparamsLogged = false;
  }

  #open(): EventFileWriter {
    if (this.#writer === null) {
      throw new SerializationError('TensorBoardLogger: expected setup(runDir) before logging, but got no event file');
    }
    return this.#writer;
  }

  #addScalars(metrics: Readonly<Record<string, number>>, step: number): void {
    const writer = this.#open();
    const value = Object.entries(metrics).map(([tag, simpleValue]) => {
      this.#seenTags.add(tag);
      return { tag, simpleValue };
    });
    if (value.length > 0) writer.addEvent({ step, summary: { value } });
  }

  logMetrics(metrics: Readonly<Record<string, number>>, at: LogStep): void | Promise<void> {
    this.#addScalars(metrics, at.step);
    this.#lastStep = at.step;
    if (at.step - this.#lastFlushStep >= this.#flushEverySteps) return this.flush();
  }

  /**
   * Writes the hparams plugin's experiment and session-start summaries; the
   * metric columns are the names of `metrics` and every scalar logged so far.
   * `metrics` are also logged as scalars at the latest step.
   */
  logHyperparams(params: Readonly<Record<string, unknown>>, metrics: Readonly<Record<string, number>> = {}): void {
    const writer = this.#open();
    const tags = [...new Set([...Object.keys(metrics), ...this.#seenTags])];
    writer.addEvent({ step: this.#lastStep, summary: { value: hparamsStartSummaries(params, tags) } });
    this.#hparamsLogged = true;
    this.#addScalars(metrics, this.#lastStep);
  }

  logImage(tag: string, png: Buffer, at: LogStep): void {
    const image = { ...pngInfo(tag, png), encodedImageString: png };
    this.#open().addEvent({ step: at.step, summary: { value: [{ tag, image }] } });
  }

  async flush(): Promise<void> {
    this.#lastFlushStep = this.#lastStep;
    await this.#writer?.flush();
  }

  async finalize(status: RunStatus): Promise<void> {
    const writer = this.#writer;
    if (writer === null) return;
    if (this.#hparamsLogged) writer.addEvent({ step: this.#lastStep, summary: { value: [hparamsEndSummary(status)] } });
    this.#writer = null;
    await writer.close();
  }
}

const schema = z
  .object({
    dir: z.string().min(1).optional(),
    flushEverySteps: z.number().int().positive().default(100),
  })
  .strict();

register({
  group: 'logger',
  name: 'tensorboard',
  schema,
  description: 'TensorBoard event files: scalars, PNG images, hparams',
  build: (o: z.output<typeof schema>) => new TensorBoardLogger(o),
});
