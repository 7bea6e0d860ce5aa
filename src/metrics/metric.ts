/**
 * `Metric`: the base of every stateful metric, as torchmetrics' `Metric`.
 *
 * A metric holds named states as tensors on the device of its first input:
 * "sum" states (fixed-shape counters added to in place) and "list" states
 * (tensors concatenated at `compute()`). `update()` only runs tensor ops (no
 * host sync), `compute()` returns a tensor the caller owns, `merge()` adds
 * another metric's states (the reduction a multi-process run needs) and
 * `reset()` / `dispose()` free the states. States are `keep()`-ed, so a
 * `tidy()` scope around `update()` never frees them. `syncStates()` makes
 * every rank of a data-parallel run hold the states of all ranks together
 * (torchmetrics' `dist_sync_on_step=False`: once, before `compute()`).
 *
 * @example
 * const acc = new MulticlassAccuracy({ numClasses: 10 });
 * for (const [logits, labels] of batches) acc.update(logits, labels);
 * const value = acc.compute(); // a float32 scalar tensor
 * acc.dispose();
 */
import { ConfigError } from '../errors.js';
import { cat, keep, tensor, tidy, zeros } from '../torch/index.js';
import type { Device, DType, Tensor } from '../torch/index.js';
import { dtypeCode, dtypeName } from '../torch/dtype.js';

/**
 * The collectives `syncStates` needs, as a data-parallel strategy provides
 * them: `sum` all-reduces tensors in place, `gather` returns the ranks'
 * tensors (same shape and dtype on every rank) concatenated along dim 0,
 * rank 0 first. Every rank must call them in the same order.
 *
 * @example
 * const reduce: MetricReducer = { sum: (ts) => group.allReduce(ts), gather: (t) => group.allGather(t) };
 */
export interface MetricReducer {
  /** Sums each tensor over all ranks in place (torch.distributed.all_reduce with SUM). @example reducer.sum([tp, fp, fn]); */
  sum(tensors: Tensor[]): void;
  /**
   * Every rank's `t` concatenated along dim 0, rank 0 first (all_gather, then cat); a new tensor.
   *
   * @example
   * const allPreds = reducer.gather(preds);
   */
  gather(t: Tensor): Tensor;
}

/** A list state's description for gathering: rows, dtype code, then up to `maxListDims - 1` trailing sizes (-1: none). */
const maxListDims = 6;

interface SumState {
  kind: 'sum';
  shape: number[];
  dtype: DType;
  value: Tensor | null;
}
interface ListState {
  kind: 'list';
  values: Tensor[];
}

/** The base class: state bookkeeping shared by every metric. */
export abstract class Metric<Output = Tensor> implements Disposable {
  readonly #states = new Map<string, SumState | ListState>();
  #device: Device | null = null;

  /** Adds `value` (this batch's contribution) to the running state. */
  abstract update(...args: never[]): void;
  /** The metric over everything seen since the last `reset()`; the caller owns the result. */
  abstract compute(): Output;
  /** The options that must match for `merge()`, as a plain object. */
  protected abstract config(): Record<string, unknown>;

  /** The device the states live on (`cpu` until the first update). */
  get device(): Device {
    return this.#device ?? 'cpu';
  }

  /** Declares a counter state of a fixed shape, zero until the first update adds to it. */
  protected addSumState(name: string, shape: readonly number[], dtype: DType): void {
    this.#states.set(name, { kind: 'sum', shape: [...shape], dtype, value: null });
  }

  /** Declares a list state: tensors appended per update and concatenated along dim 0. */
  protected addListState(name: string): void {
    this.#states.set(name, { kind: 'list', values: [] });
  }

  #state(name: string): SumState | ListState {
    const state = this.#states.get(name);
    if (state === undefined) throw new Error(`${this.constructor.name}: no state named '${name}'`);
    return state;
  }

  #onDevice(value: Tensor): Tensor {
    this.#device ??= value.device;
    return value.device === this.#device ? value : value.to(this.#device);
  }

  /** The current value of a sum state (zeros before any update); owned by the metric, do not dispose. */
  protected sumState(name: string): Tensor {
    const state = this.#state(name);
    if (state.kind !== 'sum') throw new Error(`${this.constructor.name}: state '${name}' is a list state`);
    state.value ??= keep(zeros(state.shape, { dtype: state.dtype, device: this.device }));
    return state.value;
  }

  /** The tensors of a list state, in update order; owned by the metric, do not dispose. */
  protected listState(name: string): readonly Tensor[] {
    const state = this.#state(name);
    if (state.kind !== 'list') throw new Error(`${this.constructor.name}: state '${name}' is a sum state`);
    return state.values;
  }

  /** Adds a batch's contribution to a sum state, in place (no host sync). */
  protected accumulate(name: string, value: Tensor): void {
    const moved = this.#onDevice(value);
    this.sumState(name).add_(moved);
    if (moved !== value) moved.dispose();
  }

  /** Appends a tensor to a list state; the metric takes ownership of `value` (pass one you created). */
  protected append(name: string, value: Tensor): void {
    const state = this.#state(name);
    if (state.kind !== 'list') throw new Error(`${this.constructor.name}: state '${name}' is a sum state`);
    const moved = this.#onDevice(value);
    if (moved !== value) value.dispose();
    state.values.push(keep(moved));
  }

  /**
   * Adds `other`'s states into this metric's (sums add, lists concatenate);
   * `other` is left unchanged. Both must be the same metric with the same options.
   */
  merge(other: this): void {
    if (other === this) throw new ConfigError(`${this.constructor.name}.merge: expected another instance, but got the metric itself`);
    if (other.constructor !== this.constructor) {
      throw new ConfigError(`${this.constructor.name}.merge: expected another ${this.constructor.name}, but got ${other.constructor.name}`);
    }
    const mine = JSON.stringify(this.config());
    const theirs = JSON.stringify(other.config());
    if (mine !== theirs) throw new ConfigError(`${this.constructor.name}.merge: expected the options ${mine}, but got ${theirs}`);
    for (const [name, state] of other.#states) {
      if (state.kind === 'sum') {
        if (state.value !== null) this.accumulate(name, state.value);
      } else {
        for (const value of state.values) this.append(name, value.clone());
      }
    }
  }

  /**
   * Replaces this rank's states by the states of all ranks together: sum
   * states are all-reduced in place (one call for all of them), list states
   * are concatenated over ranks (rank 0's rows first; ranks may hold
   * different numbers of rows, or none). Every rank must call it, in the
   * same order for the same metrics; afterwards `compute()` gives the value
   * over the whole data set on every rank. States must be on the CPU for Gloo.
   *
   * @example
   * acc.syncStates({ sum: (ts) => ddp.allReduceSum(ts), gather: (t) => ddp.allGather(t) });
   * acc.compute(); // the same on every rank
   */
  syncStates(reduce: MetricReducer): void {
    const sums: Tensor[] = [];
    for (const [name, state] of this.#states) if (state.kind === 'sum') sums.push(this.sumState(name));
    if (sums.length > 0) reduce.sum(sums);
    for (const state of this.#states.values()) {
      if (state.kind !== 'list') continue;
      const gathered = keep(tidy(() => this.#gatherList(state.values, reduce)));
      for (const value of state.values) value.dispose();
      state.values = gathered.shape[0] > 0 ? [gathered] : [];
      if (state.values.length === 0) gathered.dispose();
    }
  }

  /** The rows of every rank's list state, rank order; sizes (and, for an empty rank, the shape) are gathered first. */
  #gatherList(values: readonly Tensor[], reduce: MetricReducer): Tensor {
    const local = values.length === 0 ? null : values.length === 1 ? values[0] : cat([...values], 0);
    if (local !== null && local.ndim > maxListDims - 1) {
      throw new ConfigError(
        `${this.constructor.name}.syncStates: expected list states of at most ${maxListDims - 1} dims, but got ${local.ndim}`,
      );
    }
    const describe = new Array<number>(maxListDims + 1).fill(-1);
    if (local !== null) {
      describe[0] = local.shape[0];
      describe[1] = dtypeCode(local.dtype);
      local.shape.slice(1).forEach((size, i) => (describe[i + 2] = size));
    } else {
      describe[0] = 0;
    }
    const all = (reduce.gather(tensor(describe, { dtype: 'int64' })).toArray() as number[]).map(Number);
    const ranks = all.length / describe.length;
    const rows = Array.from({ length: ranks }, (_, r) => all[r * describe.length]);
    const template = Array.from({ length: ranks }, (_, r) => all.slice(r * describe.length, (r + 1) * describe.length)).find(
      (d) => d[0] > 0,
    );
    if (template === undefined) return zeros([0]);
    const dtype = dtypeName(template[1]);
    const trailing = template.slice(2).filter((size) => size >= 0);
    const maxRows = Math.max(...rows);
    // Gloo gathers equal shapes: every rank pads its rows to the longest, then the padding is cut off.
    const padded = zeros([maxRows, ...trailing], { dtype, device: 'cpu' });
    if (local !== null && local.shape[0] > 0) padded.narrow(0, 0, local.shape[0]).copy_(local.to('cpu'));
    const gathered = reduce.gather(padded);
    const parts = rows.flatMap((n, r) => (n > 0 ? [gathered.narrow(0, r * maxRows, n)] : []));
    return cat(parts, 0).to(this.device);
  }

  /** Frees every state; the next update starts from zero (on its own input's device). */
  reset(): void {
    for (const state of this.#states.values()) {
      if (state.kind === 'sum') {
        state.value?.dispose();
        state.value = null;
      } else {
        for (const value of state.values) value.dispose();
        state.values = [];
      }
    }
    this.#device = null;
  }

  /** Frees the states' native memory (same as `reset()`); the metric stays usable. */
  dispose(): void {
    this.reset();
  }
  /**
   * `using` support: frees the states when the enclosing block ends, as `dispose()` does.
   *
   * @example
   * { using acc = new MulticlassAccuracy({ numClasses: 10 }); }
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
