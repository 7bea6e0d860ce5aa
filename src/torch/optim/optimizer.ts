/**
 * `Optimizer`: the base every optimizer shares, after torch.optim.Optimizer
 * (PyTorch 1.13): param groups with per-group options over `defaults`,
 * `addParamGroup`, `zeroGrad`, `step` and a state dict in PyTorch's layout.
 *
 * Per-parameter state tensors (moment estimates, momentum buffers) belong to
 * the optimizer: they are `keep()`-ed, survive every `tidy` scope, and are
 * freed by `dispose()`. `step()` runs under `noGrad` and `tidy`, so no
 * temporaries leak. With `foreach` (the default) each param group is
 * updated at once (`updateGroup`: one native call for the group where the
 * optimizer has one, as PyTorch's multi-tensor optimizers); without, one
 * parameter at a time (`updateParam`), as PyTorch's `foreach=False`. Both
 * give the same numbers, bit for bit.
 *
 * @example
 * const opt = new SGD([w, { params: [b], lr: 0.01 }], { lr: 0.1 });
 * loss.backward();
 * opt.step();
 * opt.zeroGrad();
 */
import { ConfigError, ShapeError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import { isFloatingPoint } from '../dtype.js';
import { keep, tidy } from '../memory.js';
import { Tensor } from '../tensor.js';

/** Options every optimizer has. */
export interface OptimizerOptions {
  lr: number;
}

/** How `step` runs; not a param-group option, so not in the state dict. */
export interface StepOptions {
  /** Update each param group at once (default true) or parameter by parameter; the numbers are the same. */
  foreach?: boolean;
}

/**
 * Fields LR schedulers keep in a param group, as PyTorch does
 * (`initial_lr`, OneCycleLR's `max_lr`, `min_lr`, `max_momentum`, `base_momentum`).
 */
export interface ScheduleFields {
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
}

/** A param group: its tensors and its full set of options. */
export type ParamGroup<O extends OptimizerOptions = OptimizerOptions> = O & ScheduleFields & { params: Tensor[] };

/** A param group as given to a constructor or `addParamGroup`: options left out come from `defaults`. */
export type ParamGroupInput<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & ScheduleFields & { params: readonly Tensor[] };

/** What a constructor accepts: a list of tensors (one group) or a list of groups. */
export type ParamsInput<O extends OptimizerOptions = OptimizerOptions> = readonly Tensor[] | readonly ParamGroupInput<O>[];

/** One parameter's optimizer state: tensors, numbers (`step`), or null (an unused momentum buffer). */
export type ParamState = Record<string, Tensor | number | null>;

/** A param group in a state dict: option values and the indices of its parameters. */
export type PackedParamGroup<O extends OptimizerOptions = OptimizerOptions> = Omit<ParamGroup<O>, 'params'> & { params: number[] };

/**
 * PyTorch's optimizer state-dict layout: `state` keyed by parameter index
 * (parameters numbered across groups in order), `paramGroups` with option
 * values and `params` index lists. Keys are camelCase (`expAvg`,
 * `momentumBuffer`, `weightDecay`); `step` is a plain number.
 */
export interface OptimizerStateDict<O extends OptimizerOptions = OptimizerOptions> {
  state: Record<number, ParamState>;
  paramGroups: PackedParamGroup<O>[];
}

function copyValue<T>(value: T): T {
  return (Array.isArray(value) ? [...(value as unknown[])] : value) as T;
}

/** The shared machinery; subclasses implement `updateParam`. */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> implements Disposable {
  /** The options a group gets when it does not set them. */
  readonly defaults: Readonly<O>;
  /** The param groups, each with its full options; schedulers write `lr` here. */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, keyed by the parameter tensor. */
  readonly state = new Map<Tensor, ParamState>();
  /** The class name used in messages. */
  protected abstract readonly name: string;
  /**
   * Update each param group at once (`updateGroup`) rather than parameter by parameter (`updateParam`);
   * the same numbers either way, so it may change between steps.
   *
   * @example
   * opt.foreach = false; // PyTorch's foreach=False: one parameter at a time
   */
  foreach: boolean;

  protected constructor(params: ParamsInput<O>, defaults: O, options: StepOptions = {}) {
    this.foreach = options.foreach ?? true;
    this.defaults = Object.freeze({ ...defaults });
    if (params instanceof Tensor)
      throw new TypeError('Optimizer: expected a list of tensors or param groups, but got a single Tensor; wrap it in [ ]');
    if (params.length === 0) throw new ConfigError('Optimizer: expected at least one parameter, but got an empty list');
    const groups =
      params[0] instanceof Tensor
        ? [{ params: params as readonly Tensor[] } as ParamGroupInput<O>]
        : (params as readonly ParamGroupInput<O>[]);
    for (const group of groups) this.addParamGroup(group);
  }

  /** Adds a group (fine-tuning: unfreeze layers later); missing options come from `defaults`. */
  addParamGroup(group: ParamGroupInput<O>): void {
    const params = [...group.params];
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new TypeError(`Optimizer: expected every parameter to be a Tensor, but got ${typeof p}`);
      if (!p.isLeaf)
        throw new ConfigError('Optimizer: expected leaf tensors, but got a non-leaf tensor; optimize the tensor it was computed from');
    }
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p)))
      throw new ConfigError('Optimizer: expected each parameter in one group only, but got some in two groups');
    const full = { ...this.defaults } as Record<string, unknown>;
    for (const [key, value] of Object.entries(group)) if (key !== 'params' && value !== undefined) full[key] = copyValue(value);
    full.params = params;
    this.paramGroups.push(full as unknown as ParamGroup<O>);
  }

  /** Clears gradients: sets them to null (default, as in PyTorch 2) or fills them with zeros. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    tidy(() =>
      noGrad(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            if (setToNone) p.grad = null;
            else p.grad?.zero_();
          }
        }
      }),
    );
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        if (this.foreach) {
          tidy(() => {
            const params: Tensor[] = [];
            const grads: Tensor[] = [];
            for (const p of group.params) {
              const grad = p.grad;
              if (grad === null) continue;
              params.push(p);
              grads.push(grad);
            }
            if (params.length > 0) this.updateGroup(params, grads, group);
          });
          continue;
        }
        for (const p of group.params) {
          // One scope per parameter frees its temporaries before the next one
          // allocates, as Python's refcounting does: memory stays warm.
          tidy(() => {
            const grad = p.grad;
            if (grad !== null) this.updateParam(p, grad, group);
          });
        }
      }
    });
  }

  /** Updates one parameter that has a gradient; runs inside `tidy` and `noGrad`. */
  protected abstract updateParam(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /**
   * Updates a group's parameters that have a gradient (`grads[i]` is `params[i]`'s), inside one `tidy`
   * and `noGrad`. This default steps them one by one; optimizers with a multi-tensor update override it.
   */
  protected updateGroup(params: Tensor[], grads: Tensor[], group: ParamGroup<O>): void {
    params.forEach((p, i) => tidy(() => this.updateParam(p, grads[i], group)));
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * The state in PyTorch's layout. Tensors are the optimizer's own (not
   * copies): write them out or clone them, but do not dispose them.
   */
  stateDict(): OptimizerStateDict<O> {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const packed: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) if (key !== 'params') packed[key] = copyValue(value);
      packed.params = group.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p) as number;
      });
      return packed as PackedParamGroup<O>;
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, paramGroups };
  }

  /**
   * Loads a state dict: tensors are copied (cast to each parameter's dtype
   * and device, except `step`), group options replace the current ones.
   * A `step` saved by PyTorch as a 0-dim tensor becomes a number.
   */
  loadStateDict(stateDict: OptimizerStateDict<O>): void {
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new ShapeError(`${this.name}.loadStateDict: expected ${this.paramGroups.length} param groups, but got ${saved.length}`);
    }
    saved.forEach((g, i) => {
      const want = this.paramGroups[i].params.length;
      if (g.params.length !== want)
        throw new ShapeError(`${this.name}.loadStateDict: expected ${want} parameters in group ${i}, but got ${g.params.length}`);
    });
    const byIndex = new Map<number, Tensor>();
    saved.forEach((g, i) => g.params.forEach((id, j) => byIndex.set(Number(id), this.paramGroups[i].params[j])));
    const state = new Map<Tensor, ParamState>();
    tidy(() =>
      noGrad(() => {
        for (const [key, value] of Object.entries(stateDict.state)) {
          const param = byIndex.get(Number(key));
          if (param === undefined)
            throw new ShapeError(
              `${this.name}.loadStateDict: expected state for parameters 0..${byIndex.size - 1}, but got state for ${key}`,
            );
          state.set(param, castState(param, value));
        }
      }),
    );
    this.disposeState();
    for (const [p, s] of state) this.state.set(p, s);
    this.paramGroups = saved.map((g, i) => {
      const group: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(g)) group[key] = copyValue(value);
      group.params = this.paramGroups[i].params;
      return group as unknown as ParamGroup<O>;
    });
  }

  /** Frees the state tensors; the optimizer starts fresh on its next step. */
  dispose(): void {
    this.disposeState();
  }
  /**
   * `using` support: frees the state tensors when the enclosing block ends, as `dispose()` does.
   *
   * @example
   * { using opt = new optim.SGD(model.parameters(), { lr: 0.1 }); }
   */
  [Symbol.dispose](): void {
    this.dispose();
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }
}

function castState(param: Tensor, saved: ParamState): ParamState {
  const out: ParamState = {};
  for (const [key, value] of Object.entries(saved)) {
    if (!(value instanceof Tensor)) {
      out[key] = value;
    } else if (key === 'step') {
      out[key] = value.item();
    } else {
      const dtype = isFloatingPoint(param.dtype) ? param.dtype : value.dtype;
      out[key] = keep(value.to({ dtype, device: param.device, copy: true }));
    }
  }
  return out;
}

/** Throws a ConfigError unless `value` passes `ok`. */
export function checkOption(component: string, name: string, value: number, ok: boolean, expected: string): void {
  if (!ok)
    throw new ConfigError(`${component}: expected ${name} ${expected}, but got ${value}`, [
      { path: name, message: `expected ${expected}` },
    ]);
}
