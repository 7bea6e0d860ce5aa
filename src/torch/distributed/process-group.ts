/**
 * `ProcessGroupGloo`: c10d's Gloo process group on CPU tensors, as
 * `torch.distributed` runs it: every rank calls the same collectives in the
 * same order; each call blocks until all ranks took part or the group's
 * timeout passes (a dead or hung peer then throws, never hangs forever).
 *
 * @example
 * const group = ProcessGroupGloo.create(store, { rank, worldSize: 2 });
 * group.allReduce([t]);          // t now holds the sum over ranks
 * group.broadcast([w], { src: 0 });
 * group.dispose();
 *
 * A dense tensor that is not contiguous (a channels-last conv weight) travels
 * as its memory lies, with no copy, as c10d's Gloo moves it: such a tensor
 * must have the same strides on every rank (`DdpStrategy` checks its module's).
 */
import { ConfigError, ShapeError, TrainingError } from '../../errors.js';
import { Tensor } from '../tensor.js';
import { distributedNative } from './native-distributed.js';
import type { GlooDevice, GroupHandle } from './native-distributed.js';
import type { TcpStore } from './tcp-store.js';

/** Options for `ProcessGroupGloo.create`. */
export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** How long a collective (and the rendezvous) may wait for the other ranks (default 60 s). */
  timeoutMs?: number;
  /** The network device Gloo binds (default: Gloo's own choice). */
  device?: GlooDevice;
  /** Keys of this group in the store start with it, so groups on one store stay apart (default 'default_pg/'). */
  prefix?: string;
}

/**
 * True when the tensor's elements fill one block of memory with no gaps and no
 * overlap in some order of its dims (contiguous, channels-last, a transpose):
 * c10's `is_non_overlapping_and_dense`. Dims of size 1 may have any stride.
 */
function isDense(shape: readonly number[], strides: readonly number[]): boolean {
  if (shape.includes(0)) return true;
  const dims = shape.map((_, d) => d).filter((d) => shape[d] > 1);
  dims.sort((a, b) => strides[a] - strides[b]);
  let expected = 1;
  for (const d of dims) {
    if (strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** A Gloo process group; collectives act in place on dense CPU tensors (contiguous or channels-last). */
export class ProcessGroupGloo implements Disposable {
  readonly rank: number;
  readonly worldSize: number;
  readonly timeoutMs: number;
  #handle: GroupHandle | null;

  private constructor(handle: GroupHandle, rank: number, worldSize: number, timeoutMs: number) {
    this.#handle = handle;
    this.rank = rank;
    this.worldSize = worldSize;
    this.timeoutMs = timeoutMs;
  }

  /** Joins the group: waits until all `worldSize` ranks have connected through `store`. */
  static create(store: TcpStore, options: ProcessGroupOptions): ProcessGroupGloo {
    const { rank, worldSize } = options;
    const timeoutMs = options.timeoutMs ?? 60_000;
    const device = options.device ?? { kind: 'default' };
    if (!Number.isInteger(worldSize) || worldSize < 1)
      throw new ConfigError(`ProcessGroupGloo: expected a worldSize >= 1, but got ${worldSize}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new ConfigError(`ProcessGroupGloo: expected a rank in [0, ${worldSize - 1}], but got ${rank}`);
    }
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new ConfigError(`ProcessGroupGloo: expected a timeoutMs >= 1, but got ${timeoutMs}`);
    try {
      const value = device.kind === 'default' ? undefined : device.value;
      const handle = distributedNative.processGroupGlooCreate(
        store.handle,
        options.prefix ?? 'default_pg/',
        rank,
        worldSize,
        timeoutMs,
        device.kind,
        value,
      );
      return new ProcessGroupGloo(handle, rank, worldSize, timeoutMs);
    } catch (cause) {
      throw new TrainingError(
        `ProcessGroupGloo: expected ${worldSize} ranks to join within ${timeoutMs} ms (rank ${rank}), but got: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /** The native handle; throws after `dispose()`. */
  get handle(): GroupHandle {
    if (this.#handle === null) throw new TrainingError('ProcessGroupGloo: expected an open group, but got one that was disposed');
    return this.#handle;
  }

  /** Sums each tensor over all ranks, in place (a non-contiguous dense tensor: the same strides on every rank). */
  allReduce(tensors: readonly Tensor[]): void {
    this.#run('allReduce', tensors, () =>
      distributedNative.groupAllreduce(
        this.handle,
        tensors.map((t) => t.handle),
      ),
    );
  }

  /** Copies each tensor of rank `src` into the same tensor on every other rank, in place (a non-contiguous dense tensor: the same strides on every rank). */
  broadcast(tensors: readonly Tensor[], options: { src?: number } = {}): void {
    const src = options.src ?? 0;
    if (!Number.isInteger(src) || src < 0 || src >= this.worldSize) {
      throw new ConfigError(`ProcessGroupGloo.broadcast: expected src in [0, ${this.worldSize - 1}], but got ${src}`);
    }
    this.#run('broadcast', tensors, () =>
      distributedNative.groupBroadcast(
        this.handle,
        tensors.map((t) => t.handle),
        src,
      ),
    );
  }

  /** Waits until every rank has reached this call. */
  barrier(): void {
    this.#run('barrier', [], () => distributedNative.groupBarrier(this.handle));
  }

  /** The ranks' tensors (same shape on every rank) concatenated along dim 0, rank 0 first; the caller owns it. */
  allGather(tensor: Tensor): Tensor {
    let result: Tensor | undefined;
    this.#run('allGather', [tensor], () => {
      result = new Tensor(distributedNative.groupAllgather(this.handle, tensor.handle));
    });
    return result as Tensor;
  }

  #run(op: string, tensors: readonly Tensor[], call: () => void): void {
    for (const [i, t] of tensors.entries()) {
      if (t.device !== 'cpu') throw new ShapeError(`ProcessGroupGloo.${op}: expected CPU tensors, but got tensor ${i} on ${t.device}`);
      if (t.isContiguous()) continue;
      const strides = t.strides();
      if (!isDense(t.shape, strides)) {
        throw new ShapeError(
          `ProcessGroupGloo.${op}: expected dense tensors (contiguous or channels-last: no gaps, no overlap), but got tensor ${i} with shape [${t.shape.join(', ')}] and strides [${strides.join(', ')}]; pass t.contiguous()`,
        );
      }
    }
    try {
      call();
    } catch (cause) {
      throw new TrainingError(
        `ProcessGroupGloo.${op}: expected all ${this.worldSize} ranks to take part within ${this.timeoutMs} ms (this is rank ${this.rank}), but got: ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /** Leaves the group (its Gloo threads stop). */
  dispose(): void {
    if (this.#handle !== null) distributedNative.distributedRelease(this.#handle);
    this.#handle = null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
}
