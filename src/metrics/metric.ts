/**
 * `Metric`: the base of every stateful metric, as torchmetrics' `Metric`.
 *
 * A metric holds named states as tensors on the device of its first input:
 * "sum" states (fixed-shape counters added to in place) and "list" states
 * (tensors concatenated at `compute()`). `update()` only runs tensor ops (no
 * host sync), `compute()` returns a tensor the caller owns, `merge()` adds
 * another metric's states (the reduction a multi-process run needs) and
 * `reset()` / `dispose()` free the states. States are `keep()`-ed, so a
 * `tidy()` scope around `update()` never frees them.
 *
 * @example
 * const acc = new MulticlassAccuracy({ numClasses: 10 });
 * for (const [logits, labels] of batches) acc.update(logits, labels);
 * const value = acc.compute(); // a float32 scalar tensor
 * acc.dispose();
 */
import { ConfigError } from '../errors.js';
import { keep, zeros } from '../torch/index.js';
import type { Device, DType, Tensor } from '../torch/index.js';

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
  [Symbol.dispose](): void {
    this.dispose();
  }
}
