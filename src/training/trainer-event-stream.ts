/**
 * `TrainerEventStream`: `trainer.events()`, an async iterator over a fit's
 * events that ends after the run's `end` event. The stream buffers, so a
 * slow consumer never stalls training; the buffer is bounded: past
 * `bufferSize` events the oldest `batchEnd` events are dropped (counted in
 * `dropped`), never an epoch, validation, checkpoint or end event.
 *
 * @example
 * const stream = trainer.events();
 * const run = trainer.fit(module, dm);
 * for await (const e of stream) if (e.type === 'epochEnd') console.log(e.epoch, e.metrics);
 * await run;
 */
import type { TrainerEvent, TrainerEvents } from './trainer-events.js';

/** A buffered, bounded iterator over the events of a fit; see the module doc. */
export class TrainerEventStream implements AsyncIterableIterator<TrainerEvent> {
  /** batchEnd events dropped because the consumer fell more than `bufferSize` events behind. */
  dropped = 0;
  readonly #bufferSize: number;
  readonly #buffer: TrainerEvent[] = [];
  #waiting: ((result: IteratorResult<TrainerEvent>) => void) | null = null;
  #finished = false;
  readonly #unsubscribe: () => void;

  constructor(source: TrainerEvents, options: { bufferSize?: number } = {}) {
    const size = options.bufferSize ?? 1024;
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`Trainer.events: expected a positive integer bufferSize, but got ${String(size)}`);
    this.#bufferSize = size;
    this.#unsubscribe = source.onAny((event) => this.#push(event));
  }

  #push(event: TrainerEvent): void {
    if (this.#finished) return;
    if (event.type === 'end') this.#unsubscribe();
    if (this.#waiting !== null) {
      const resolve = this.#waiting;
      this.#waiting = null;
      this.#take(event);
      resolve({ value: event, done: false });
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length <= this.#bufferSize) return;
    const oldest = this.#buffer.findIndex((e) => e.type === 'batchEnd');
    if (oldest === -1) return; // only the few epoch-level events: they are all kept
    this.#buffer.splice(oldest, 1);
    this.dropped++;
  }

  /** Marks the stream finished once its end event is handed out. */
  #take(event: TrainerEvent): void {
    if (event.type === 'end') this.#finished = true;
  }

  /** The next event, waiting for one when none is buffered; done after the run's `end` event. @example await stream.next(); */
  next(): Promise<IteratorResult<TrainerEvent>> {
    const event = this.#buffer.shift();
    if (event !== undefined) {
      this.#take(event);
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Stops listening (a `break` out of `for await` calls this). */
  return(): Promise<IteratorResult<TrainerEvent>> {
    this.#finished = true;
    this.#buffer.length = 0;
    this.#unsubscribe();
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** The stream itself, so `for await (const e of trainer.events())` reads it. @example for await (const e of stream) {} */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
