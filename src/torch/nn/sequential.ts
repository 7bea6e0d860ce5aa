/**
 * `Sequential`: runs its children in order; they are named "0", "1", ...
 * so state keys read `downsample.0.weight`, as in PyTorch.
 *
 * @example
 * const head = new Sequential(new Flatten(), new Linear(512, 10));
 * head.at(1); // the Linear
 */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** A chain of modules. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Number of children. */
  get length(): number {
    return [...this.children()].length;
  }

  /** The child at `index` (negative counts from the end). */
  at(index: number): Module {
    const list = [...this.children()];
    const i = index < 0 ? index + list.length : index;
    if (i < 0 || i >= list.length)
      throw new RangeError(`Sequential: expected an index in [${-list.length}, ${list.length - 1}], but got ${index}`);
    return list[i];
  }

  /** Adds a module at the end, named by its position. */
  append(module: Module): this {
    this.registerModule(String(this.length), module);
    return this;
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const m of this.children()) out = m.forward(out);
    return out;
  }
}
