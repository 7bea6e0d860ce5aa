/**
 * `EmitContext`: what a module's ONNX emitter sees — the graph being built,
 * its own dotted path in the module tree, the export options, and `emit` to
 * hand a child module to that child's emitter. The emitters themselves live
 * in a table keyed by module class (`emitters/`), not on the torch classes;
 * a module takes the emitter of its nearest class in the table, so a
 * subclass uses its parent's unless it registers its own.
 *
 * @example
 * const relu: OnnxEmitter = (_module, input, ctx) => ctx.graph.addNode('Relu', [input], ctx.valueName());
 */
import { SerializationError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Module } from '../../torch/nn/index.js';
import type { OnnxGraphBuilder } from './graph-builder.js';

/** A module class (a key of the emitter table). */
export type ModuleClass<M extends Module = Module> = abstract new (...args: never[]) => M;

/** Emits the nodes `module` becomes, reading value `input`; returns the name of its output value. */
export type OnnxEmitter<M extends Module = Module> = (module: M, input: string, ctx: EmitContext) => string;

/** Module classes to their emitters; a module's nearest class in its prototype chain wins. */
export type EmitterTable = ReadonlyMap<ModuleClass, OnnxEmitter>;

/**
 * A table entry for `moduleClass`, typed by that class: the emitter receives
 * the module as its own class, checked at run time, so no cast is needed.
 *
 * @example
 * const entries = [onnxEmitterEntry(ReLU, (_relu, x, ctx) => ctx.graph.addNode('Relu', [x], ctx.valueName()))];
 */
export function onnxEmitterEntry<M extends Module>(moduleClass: ModuleClass<M>, emitter: OnnxEmitter<M>): [ModuleClass, OnnxEmitter] {
  const checked: OnnxEmitter = (module, input, ctx) => {
    if (!(module instanceof moduleClass)) {
      throw new TypeError(`exportOnnx: expected a ${moduleClass.name} for its emitter, but got ${module.constructor.name}`);
    }
    return emitter(module, input, ctx);
  };
  return [moduleClass, checked];
}

/** The emitter of `module`'s nearest class that has one (its own, else a parent's). */
function emitterOf(module: Module, table: EmitterTable): OnnxEmitter | undefined {
  for (let proto: unknown = Object.getPrototypeOf(module); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const emitter = table.get((proto as { constructor: ModuleClass }).constructor);
    if (emitter !== undefined) return emitter;
  }
  return undefined;
}

/** How the graph is written. */
export interface EmitOptions {
  /** Fold each BatchNorm into the Conv right before it. */
  foldBatchNorm: boolean;
  /** The graph input's [C, H, W] (batch excluded): emitters whose graph depends on the spatial size read it. */
  inputShape?: readonly [number, number, number];
}

/** A readable dotted path ('<root>' for the exported module itself). */
export const displayPath = (path: string): string => (path === '' ? '<root>' : path);

export class EmitContext {
  readonly graph: OnnxGraphBuilder;
  readonly path: string;
  readonly options: EmitOptions;
  readonly #table: EmitterTable;
  readonly #initializers: Map<Tensor, string>;

  constructor(graph: OnnxGraphBuilder, table: EmitterTable, options: EmitOptions, path = '', initializers = new Map<Tensor, string>()) {
    this.graph = graph;
    this.#table = table;
    this.options = options;
    this.path = path;
    this.#initializers = initializers;
  }

  /** The dotted path of child `name`. */
  childPath(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  /** The base name of this module's output value (its path; 'output' for the root). */
  valueName(suffix = ''): string {
    const base = this.path === '' ? 'output' : this.path;
    return suffix === '' ? base : `${base}.${suffix}`;
  }

  /** Emits `module` found at `path` (the root when ''), or fails naming its class and path. */
  emitAt(module: Module, path: string, input: string): string {
    const emitter = emitterOf(module, this.#table);
    if (emitter === undefined) throw unknownModule(module, path, this.#table);
    return emitter(module, input, new EmitContext(this.graph, this.#table, this.options, path, this.#initializers));
  }

  /** Emits child `name` of the current module; a null child (no downsample) passes `input` through. */
  emit(child: Module | null, name: string, input: string): string {
    return child === null ? input : this.emitAt(child, this.childPath(name), input);
  }

  /**
   * Fails when `module` has a child the emitter would not emit (something added to a known
   * block, say), naming that child's class and path.
   */
  expectChildren(module: Module, names: readonly string[]): void {
    for (const [name, child] of module.namedChildren()) {
      if (!names.includes(name)) throw unknownModule(child, this.childPath(name), this.#table);
    }
  }

  /** The initializer holding `tensor` as fp32, added once per tensor under this module's `name`. */
  initializer(tensor: Tensor, name: string): string {
    const known = this.#initializers.get(tensor);
    if (known !== undefined) return known;
    const data = torch.tidy(() => tensor.detach().to({ dtype: 'float32', device: 'cpu' }).data() as Float32Array);
    const added = this.graph.addInitializer(this.childPath(name), data, tensor.shape);
    this.#initializers.set(tensor, added);
    return added;
  }

  /** The values of `tensor` as float64 (for folding arithmetic). */
  static float64(tensor: Tensor): Float64Array {
    return Float64Array.from(torch.tidy(() => tensor.detach().to({ dtype: 'float32', device: 'cpu' }).data() as Float32Array));
  }

  /** A SerializationError for an option of a known module the writer cannot express. */
  unsupported(module: Module, expected: string, got: string): SerializationError {
    return new SerializationError(
      `exportOnnx: expected ${expected}, but got ${got} in ${module.constructor.name} at ${displayPath(this.path)}`,
    );
  }
}

function unknownModule(module: Module, path: string, table: EmitterTable): SerializationError {
  const known = [...table.keys()].map((c) => c.name).join(', ');
  return new SerializationError(
    `exportOnnx: expected a module the ONNX writer knows (${known}), but got ${module.constructor.name} at ${displayPath(path)} (add an emitter with registerOnnxEmitter)`,
  );
}
