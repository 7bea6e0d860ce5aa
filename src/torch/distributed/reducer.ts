/**
 * `Reducer`: c10d's own gradient reducer, the engine inside PyTorch's
 * `DistributedDataParallel`. Gradients are averaged over ranks in buckets of
 * about `bucketCapMb`, each bucket all-reduced as soon as its gradients are
 * ready, overlapping communication with the rest of backward; when
 * `backward()` returns, every `.grad` holds the mean over ranks.
 *
 * @example
 * const reducer = new Reducer(group, model.parameters());
 * reducer.prepareForBackward();  // once before each backward that syncs
 * loss.backward();               // grads are averaged over ranks here
 * optimizer.step();
 */
import { ConfigError } from '../../errors.js';
import type { Tensor } from '../tensor.js';
import { distributedNative } from './native-distributed.js';
import type { ReducerHandle } from './native-distributed.js';
import type { ProcessGroupGloo } from './process-group.js';

/** Options for `Reducer`, with DistributedDataParallel's defaults. */
export interface ReducerOptions {
  /** Bucket size in MiB (default 25, DDP's `bucket_cap_mb`). */
  bucketCapMb?: number;
  /** The first bucket's size in MiB (default 1, so communication starts early). */
  firstBucketCapMb?: number;
}

/** Bucketed gradient all-reduce hooked into autograd (every parameter must get a gradient each step). */
export class Reducer implements Disposable {
  #handle: ReducerHandle | null;

  /** Checks that every rank has the same parameter shapes, then hooks each parameter's gradient accumulator. */
  constructor(group: ProcessGroupGloo, params: readonly Tensor[], options: ReducerOptions = {}) {
    const cap = options.bucketCapMb ?? 25;
    const first = options.firstBucketCapMb ?? 1;
    for (const [name, value] of [
      ['bucketCapMb', cap],
      ['firstBucketCapMb', first],
    ] as const) {
      if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(`Reducer: expected a positive ${name}, but got ${value}`);
    }
    const trainable = params.filter((p) => p.requiresGrad);
    if (trainable.length === 0) throw new ConfigError('Reducer: expected at least one parameter that requires grad, but got none');
    this.#handle = distributedNative.reducerCreate(
      group.handle,
      trainable.map((p) => p.handle),
      Math.round(cap * 2 ** 20),
      Math.round(first * 2 ** 20),
    );
  }

  /** Arms the hooks for the next backward (buckets follow the first backward's gradient order from then on). */
  prepareForBackward(): void {
    if (this.#handle === null) throw new ConfigError('Reducer: expected a live reducer, but got one that was disposed');
    distributedNative.reducerPrepareForBackward(this.#handle);
  }

  /** Removes the hooks and frees the buckets. */
  dispose(): void {
    if (this.#handle !== null) distributedNative.distributedRelease(this.#handle);
    this.#handle = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
