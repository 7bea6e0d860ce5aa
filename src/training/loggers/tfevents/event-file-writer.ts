/**
 * `EventFileWriter`: appends TFRecord-framed `Event` messages to one
 * `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<n>` file, the name
 * TensorBoard globs for. The first record is the file-version event. Events
 * are encoded at once and written on `flush()`, in order; `close()` fsyncs.
 * A failed write is reported by every later `flush()` and by `close()`,
 * which still closes the file and adds its own failure, if any, to that first
 * error rather than replacing it.
 *
 * @example
 * const writer = await EventFileWriter.create('outputs/run');
 * writer.addEvent({ step: 3, summary: { value: [{ tag: 'train/loss', simpleValue: 0.5 }] } });
 * await writer.close();
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { eventType } from './schema.js';
import { frameRecord } from './tfrecord.js';
import { SerializationError, fsReason } from '../../../errors.js';
import { fsAttempt, fsFailure } from '../fs-attempt.js';

/** The file version TensorFlow 2 writes; TensorBoard accepts any `brain.Event:` version. */
export const FILE_VERSION = 'brain.Event:2';

/** Fields of an `Event` (camelCase); `wallTime` defaults to now. */
export interface EventFields {
  wallTime?: number;
  step?: number;
  fileVersion?: string;
  summary?: { value: Record<string, unknown>[] };
}

/** How the writer opens its file; tests pass one whose handle fails. */
export type OpenFile = (path: string, flags: string) => Promise<FileHandle>;

let fileCounter = 0;
const NAME = 'EventFileWriter';

/** Writes one event file. */
export class EventFileWriter {
  /** The event file's path. */
  readonly path: string;
  readonly #handle: FileHandle;
  #pending: Buffer[] = [];
  #writes: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /** Creates a new event file in `dir` (made if missing) and queues the file-version event. */
  static async create(dir: string, options: { open?: OpenFile } = {}): Promise<EventFileWriter> {
    await fsAttempt(NAME, 'create the folder', dir, () => mkdir(dir, { recursive: true }));
    const seconds = String(Math.floor(Date.now() / 1000)).padStart(10, '0');
    const path = join(dir, `events.out.tfevents.${seconds}.${hostname()}.${process.pid}.${fileCounter++}`);
    const openFile = options.open ?? open;
    const writer = new EventFileWriter(path, await fsAttempt(NAME, 'create', path, () => openFile(path, 'ax')));
    writer.addEvent({ fileVersion: FILE_VERSION });
    return writer;
  }

  /** Encodes and frames one event; it reaches the file on the next `flush()`. */
  addEvent(fields: EventFields): void {
    if (this.#closed) throw new SerializationError(`EventFileWriter: expected an open event file, but got ${this.path} closed`);
    const event = eventType.create({ wallTime: Date.now() / 1000, ...fields });
    this.#pending.push(frameRecord(eventType.encode(event).finish()));
  }

  /** Writes every queued event (writes stay in order when flushes overlap). */
  flush(): Promise<void> {
    if (this.#pending.length > 0) {
      const bytes = Buffer.concat(this.#pending);
      this.#pending = [];
      this.#writes = this.#writes.then(() => fsAttempt(NAME, 'append to', this.path, () => this.#handle.appendFile(bytes)));
    }
    return this.#writes;
  }

  /** Flushes, fsyncs and closes the file; later calls do nothing. The file is closed even when a write failed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let first: Error | undefined;
    try {
      await this.flush();
      await fsAttempt(NAME, 'fsync', this.path, () => this.#handle.sync());
    } catch (error) {
      first = error instanceof Error ? error : fsFailure(NAME, 'write', this.path, error);
    }
    try {
      await this.#handle.close();
    } catch (error) {
      if (first === undefined) throw fsFailure(NAME, 'close', this.path, error);
      // The write that failed first is what went wrong; the close failure only adds to it.
      throw new SerializationError(`${first.message}; closing the file then failed too: ${fsReason(error)}`, { cause: first });
    }
    if (first !== undefined) throw first;
  }
}
