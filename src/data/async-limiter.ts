/**
 * A bounded async pool: at most `concurrency` tasks run at once, the rest
 * wait in first-come order. sharp decodes in libvips' own threads, so a few
 * decodes in flight keep several cores busy without worker threads.
 *
 * @example
 * const limit = new AsyncLimiter(4);
 * const images = await Promise.all(paths.map((p) => limit.run(() => decodeImage(p, { channels: 3 }))));
 */

/** Runs async tasks with bounded concurrency, in submission order. */
export class AsyncLimiter {
  readonly concurrency: number;
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`AsyncLimiter: expected a positive integer concurrency, but got ${concurrency}`);
    }
    this.concurrency = concurrency;
  }

  /** Runs `task` when a slot is free; resolves or rejects with it. */
  async run<T>(task: () => Promise<T> | T): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so a newcomer cannot overtake it.
    if (this.#active >= this.concurrency) await new Promise<void>((resolve) => this.#queue.push(resolve));
    else this.#active++;
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next === undefined) this.#active--;
      else next();
    }
  }
}

/**
 * Maps `items` through `fn` with at most `concurrency` calls in flight; results keep the input order.
 *
 * @example
 * const sizes = await mapLimit(paths, 8, async (p) => (await stat(p)).size);
 */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = new AsyncLimiter(concurrency);
  return Promise.all(items.map((item, i) => limit.run(() => fn(item, i))));
}
