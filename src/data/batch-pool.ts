/**
 * `BatchPool`: float32 batch tensors the loader fills again once nothing
 * else holds their memory. A fresh 38 MB batch (64 x 3 x 224 x 224) costs
 * ~9,400 page faults on first touch — glibc maps allocations that large
 * anew each time — which is as much CPU as writing the batch. The pool keeps
 * its own handle on each tensor it made and gives out another handle on the
 * same memory (`detach`); once the consumer disposes the batch (and any view
 * of it), the pool's handle is the storage's only reference
 * (`storageUseCount() === 1`) and the memory is filled again. A batch the
 * consumer keeps is never reused: it holds the storage.
 *
 * @example
 * const pool = new BatchPool({ capacity: 4 });
 * const x = pool.take([64, 3, 224, 224]); // write it, hand it out; the consumer disposes it
 * pool.clear();
 */
import { DataError } from '../errors.js';
import { storageUseCount } from '../torch/memory.js';
import { empty } from '../torch/ops/creation.js';
import type { Tensor } from '../torch/tensor.js';

/** Reusable batch tensors, at most `capacity` held. */
export class BatchPool {
  readonly capacity: number;
  readonly #held: Tensor[] = [];

  constructor(options: { capacity: number }) {
    if (!Number.isInteger(options.capacity) || options.capacity < 0)
      throw new DataError(`BatchPool: expected a non-negative integer capacity, but got ${options.capacity}`);
    this.capacity = options.capacity;
  }

  /** A contiguous float32 tensor of `shape` (values undefined): pooled memory nothing else holds, else new memory. */
  take(shape: readonly number[]): Tensor {
    const free = this.#held.find((t) => storageUseCount(t) === 1 && sameShape(t.shape, shape));
    if (free !== undefined) return free.detach();
    if (this.#held.length >= this.capacity) {
      // Full: drop one no one holds (a batch of another shape), else give out unpooled memory.
      const idle = this.#held.findIndex((t) => storageUseCount(t) === 1);
      if (idle < 0) return empty([...shape]);
      this.#held.splice(idle, 1)[0].dispose();
    }
    const fresh = empty([...shape]);
    this.#held.push(fresh);
    return fresh.detach();
  }

  /** Tensors held (in use or free). */
  get size(): number {
    return this.#held.length;
  }

  /** Lets go of every held tensor (batches given out stay valid: they hold their memory). */
  clear(): void {
    for (const t of this.#held.splice(0)) t.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
