/**
 * A RAM cache of decoded images (before any random transform), bounded by
 * bytes. It fills until full and then keeps what it has: data loaders visit
 * samples in a fresh random order each epoch, where evicting (LRU) would
 * throw away an entry just before the next epoch wants it, so a fixed set of
 * hits is worth more than churn.
 *
 * @example
 * const cache = new ImageCache({ maxBytes: 2 ** 30 });
 * cache.get(17) ?? cache.put(17, await decodeImage(path, { channels: 3 }));
 */
import type { RawImage } from './image.js';

/** Decoded images by sample index, up to `maxBytes` of pixels. */
export class ImageCache {
  readonly maxBytes: number;
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  readonly #entries = new Map<number, RawImage>();

  constructor(options: { maxBytes: number }) {
    this.maxBytes = options.maxBytes;
  }

  /** The cached image, or undefined. */
  get(index: number): RawImage | undefined {
    const hit = this.#entries.get(index);
    if (hit === undefined) this.#misses++;
    else this.#hits++;
    return hit;
  }

  /** Stores `image` if it fits in what is left; returns it either way. */
  put(index: number, image: RawImage): RawImage {
    if (!this.#entries.has(index) && this.#bytes + image.data.length <= this.maxBytes) {
      this.#entries.set(index, image);
      this.#bytes += image.data.length;
    }
    return image;
  }

  /** Entries, bytes held, hits and misses so far. */
  stats(): { entries: number; bytes: number; hits: number; misses: number } {
    return { entries: this.#entries.size, bytes: this.#bytes, hits: this.#hits, misses: this.#misses };
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
