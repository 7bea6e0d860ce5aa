/**
 * `Module`: the base class of every layer and model, as in PyTorch. It owns
 * parameters, buffers and submodules under torchvision-style dotted names
 * (`layer1.0.conv1.weight`, `bn1.running_mean`), saves and loads state
 * records, switches train/eval mode and moves itself between devices and
 * dtypes. Parameters and buffers are `keep()`-ed: no `tidy` scope frees them;
 * `dispose()` on the module does.
 *
 * @example
 * class Tiny extends Module {
 *   declare fc: Linear;
 *   constructor() { super(); this.registerModule('fc', new Linear(4, 2)); }
 *   forward(x: Tensor): Tensor { return this.fc.forward(x); }
 * }
 */
import { ShapeError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import type { DType, Device, MemoryFormat } from '../dtype.js';
import { isFloatingPoint } from '../dtype.js';
import { keep } from '../memory.js';
import type { Tensor } from '../tensor.js';

/** Where `Module.to` moves parameters and buffers. */
export interface ModuleToOptions {
  device?: Device;
  /** Applies to floating-point parameters and buffers only (int64 counters stay int64). */
  dtype?: DType;
  /** Applies to 4-D tensors only. */
  memoryFormat?: MemoryFormat;
}

/** What a non-strict `loadStateDict` reports. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Base class of every layer and model (torch.nn.Module): holds parameters, buffers and submodules under torchvision-style dotted
 * names, saves and loads state dicts, switches train/eval mode and moves itself between devices and dtypes. Its tensors are
 * `keep()`-ed, so only `dispose()` frees them.
 *
 * @example
 * class Head extends Module {
 *   declare fc: Linear;
 *   constructor() { super(); this.registerModule('fc', new Linear(512, 10)); }
 *   forward(x: Tensor): Tensor { return this.fc.forward(x.flatten(1)); }
 * }
 */
export abstract class Module {
  /** True in training mode (`train()`), false in evaluation mode (`eval()`). */
  training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module | null>();

  /** The computation; subclasses implement it. */
  abstract forward(input: Tensor): Tensor;

  /** Same as `forward`, for `model.call(x)` style code. */
  call(input: Tensor): Tensor {
    return this.forward(input);
  }

  #defineAccessor(name: string, map: Map<string, unknown>, set: (value: never) => void): void {
    if (!Object.prototype.hasOwnProperty.call(this, name) || Object.getOwnPropertyDescriptor(this, name)?.get === undefined) {
      Object.defineProperty(this, name, { get: () => map.get(name), set, enumerable: true, configurable: true });
    }
  }

  #checkName(name: string, kind: string): void {
    if (name === '' || name.includes('.')) {
      throw new TypeError(`${this.constructor.name}: expected a ${kind} name without dots, but got '${name}'`);
    }
    const registered = this.#parameters.has(name) || this.#buffers.has(name) || this.#modules.has(name);
    const own = Object.getOwnPropertyDescriptor(this, name);
    const free = own === undefined ? !(name in this) : own.get === undefined && own.value === undefined;
    if (!registered && !free) {
      throw new TypeError(`${this.constructor.name}: expected a ${kind} name that is not already an attribute, but got '${name}'`);
    }
  }

  /**
   * Registers a parameter (kept, `requiresGrad` on when floating point) and
   * makes `this[name]` read it. Assigning `this[name] = t` registers `t` instead.
   */
  registerParameter(name: string, value: Tensor | null): Tensor | null {
    this.#checkName(name, 'parameter');
    this.#buffers.delete(name);
    this.#modules.delete(name);
    if (value !== null) {
      keep(value);
      if (isFloatingPoint(value.dtype) && !value.requiresGrad) value.requiresGrad_(true);
    }
    this.#parameters.set(name, value);
    this.#defineAccessor(name, this.#parameters, (v: Tensor | null) => this.registerParameter(name, v));
    return value;
  }

  /** Registers a buffer (state that is not trained, such as BatchNorm's running mean). */
  registerBuffer(name: string, value: Tensor | null, options: { persistent?: boolean } = {}): Tensor | null {
    this.#checkName(name, 'buffer');
    this.#parameters.delete(name);
    this.#modules.delete(name);
    if (value !== null) keep(value);
    this.#buffers.set(name, value);
    if (options.persistent === false) this.#nonPersistent.add(name);
    else this.#nonPersistent.delete(name);
    this.#defineAccessor(name, this.#buffers, (v: Tensor | null) =>
      this.registerBuffer(name, v, { persistent: !this.#nonPersistent.has(name) }),
    );
    return value;
  }

  /** Registers a submodule; its state appears under `name.`. */
  registerModule<M extends Module | null>(name: string, module: M): M {
    this.#checkName(name, 'module');
    this.#parameters.delete(name);
    this.#buffers.delete(name);
    this.#modules.set(name, module);
    this.#defineAccessor(name, this.#modules, (v: Module | null) => this.registerModule(name, v));
    return module;
  }

  // ---- traversal ----

  /** Direct submodules with their names, in registration order. */
  *namedChildren(): Generator<[string, Module]> {
    for (const [name, m] of this.#modules) if (m !== null) yield [name, m];
  }

  /** Direct submodules. */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /** This module and every submodule, pre-order, with dotted names ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, m] of this.namedChildren()) yield* m.namedModules(prefix === '' ? name : `${prefix}.${name}`);
  }

  /** This module and every submodule, pre-order. */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }

  #namedState(kind: 'parameters' | 'buffers', recurse: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules: Iterable<[string, Module]> = recurse ? this.namedModules() : [['', this]];
    for (const [prefix, m] of modules) {
      const map = kind === 'parameters' ? m.#parameters : m.#buffers;
      for (const [name, t] of map) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
      }
    }
    return out;
  }

  /** Parameters with dotted names (shared tensors once). */
  namedParameters(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this.#namedState('parameters', options.recurse ?? true);
  }

  /** The parameters (the tensors themselves, not copies). */
  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, t]) => t);
  }

  /** Buffers with dotted names. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this.#namedState('buffers', options.recurse ?? true);
  }

  /** The buffers (the tensors themselves). */
  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, t]) => t);
  }

  // ---- state ----

  #stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      const dot = prefix === '' ? '' : `${prefix}.`;
      for (const [name, t] of m.#parameters) if (t !== null) out.push([dot + name, t]);
      for (const [name, t] of m.#buffers) if (t !== null && !m.#nonPersistent.has(name)) out.push([dot + name, t]);
    }
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's order. The
   * tensors are detached handles sharing the module's storage (dispose them
   * freely, or build the record inside `tidy`); `keepVars: true` returns the
   * module's own tensors instead.
   */
  stateDict(options: { keepVars?: boolean } = {}): Record<string, Tensor> {
    const record: Record<string, Tensor> = {};
    for (const [name, t] of this.#stateEntries()) record[name] = options.keepVars ? t : t.detach();
    return record;
  }

  /**
   * Copies values from `record` into the module's tensors in place. Nothing
   * is copied when a check fails: mis-shaped keys always throw a ShapeError;
   * missing and unexpected keys throw too in strict mode (the default) and
   * are returned otherwise.
   */
  loadStateDict(record: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = this.#stateEntries();
    const ownNames = new Set(own.map(([name]) => name));
    const missingKeys = own.filter(([name]) => !(name in record)).map(([name]) => name);
    const unexpectedKeys = Object.keys(record).filter((name) => !ownNames.has(name));
    const misShaped = own
      .filter(([name, t]) => name in record && !sameShape(t.shape, record[name].shape))
      .map(([name, t]) => `${name} (model [${t.shape.join(', ')}], record [${record[name].shape.join(', ')}])`);
    if (misShaped.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      const problems = [
        missingKeys.length > 0 && strict ? `missing keys: ${missingKeys.join(', ')}` : '',
        unexpectedKeys.length > 0 && strict ? `unexpected keys: ${unexpectedKeys.join(', ')}` : '',
        misShaped.length > 0 ? `mis-shaped keys: ${misShaped.join(', ')}` : '',
      ].filter((p) => p !== '');
      const hatch = misShaped.length === 0 ? ' (pass { strict: false } to load the matching keys)' : '';
      throw new ShapeError(
        `${this.constructor.name}.loadStateDict: expected a record matching the model's keys and shapes, but got ${problems.join('; ')}${hatch}`,
      );
    }
    noGrad(() => {
      for (const [name, t] of own) if (name in record) t.copy_(record[name]);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes and placement ----

  /** Sets training mode on this module and every submodule. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves and/or casts parameters and buffers in place: each tensor keeps its
   * identity (optimizers holding it stay valid) and its leaf/`requiresGrad`
   * state. dtype applies to floating-point tensors only.
   */
  to(options: ModuleToOptions): this {
    const convert = (t: Tensor): Tensor | null => {
      const dtype = options.dtype !== undefined && isFloatingPoint(t.dtype) ? options.dtype : undefined;
      const memoryFormat = t.ndim === 4 ? options.memoryFormat : undefined;
      const device = options.device;
      const changes =
        (device !== undefined && device !== t.device) || (dtype !== undefined && dtype !== t.dtype) || memoryFormat !== undefined;
      return changes ? t.to({ device, dtype, memoryFormat }) : null;
    };
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        const moved = convert(t);
        if (moved === null) continue;
        t.setData(moved);
        moved.dispose();
        const grad = t.grad;
        if (grad !== null) {
          const movedGrad = convert(grad);
          if (movedGrad !== null) t.grad = movedGrad;
          movedGrad?.dispose();
          grad.dispose();
        }
      }
    });
    return this;
  }

  /** Calls `fn` on every submodule (children first) and then on this module. */
  apply(fn: (module: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  /** Clears gradients: zeroes them in place (PyTorch 1.13's default) or drops them with `setToNone`. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      const grad = p.grad;
      if (grad === null) continue;
      if (options.setToNone) p.grad = null;
      else grad.zero_();
      grad.dispose();
    }
  }

  /** Frees every parameter and buffer of this module and its submodules. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  /**
   * `using` support: frees the parameters and buffers when the enclosing block ends, as `dispose()` does.
   *
   * @example
   * { using probe = new nn.Linear(4, 2); }
   */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
