/**
 * `HookDispatcher`: the one place hooks are called. For every hook, the
 * callbacks run first in their order (checkpointing callbacks last, as in
 * Lightning, so they see what the others logged), then the module's own hook
 * if it defines one. Async hooks are awaited in turn.
 *
 * The module's metric-computing epoch-end hooks (`onTrainEpochEnd`,
 * `onValidationEpochEnd`, `onTestEpochEnd`) are called by the loops
 * themselves, before the callbacks see the epoch's metrics.
 *
 * @example
 * const hooks = new HookDispatcher(module, callbacks);
 * await hooks.call('onTrainEpochStart', trainer);
 */
import type { TrainableModule } from './trainable-module.js';
import type { Callback, HookName, Hooks } from './callback.js';
import { profile, type SimpleProfiler } from './profiler.js';
import type { TrainerView } from './trainer-view.js';

const loopOwned = new Set<HookName>(['onTrainEpochEnd', 'onValidationEpochEnd', 'onTestEpochEnd']);

type Rest<H extends HookName> = Hooks[H] extends ((trainer: TrainerView, module: TrainableModule, ...rest: infer R) => unknown) | undefined
  ? R
  : never;

/** Calls hooks on callbacks and the module. */
export class HookDispatcher {
  readonly #module: TrainableModule;
  readonly #callbacks: readonly Callback[];
  readonly #profiler: SimpleProfiler | null;

  /** With a profiler, each hook of each callback is timed as `[Callback]<class>.<hook>`. */
  constructor(module: TrainableModule, callbacks: readonly Callback[], profiler: SimpleProfiler | null = null) {
    this.#module = module;
    this.#callbacks = callbacks;
    this.#profiler = profiler;
  }

  /** True when some callback (or the module) implements `name`: lets hot loops skip empty dispatches. */
  has(name: HookName): boolean {
    return (
      this.#callbacks.some((c) => typeof c[name] === 'function') ||
      (!loopOwned.has(name) && typeof (this.#module as unknown as Hooks)[name] === 'function')
    );
  }

  /** Calls `name` on every callback, then on the module. */
  async call<H extends HookName>(name: H, trainer: TrainerView, ...rest: Rest<H>): Promise<void> {
    for (const callback of this.#callbacks) {
      const fn = callback[name] as ((...args: unknown[]) => unknown) | undefined;
      if (typeof fn !== 'function') continue;
      if (this.#profiler === null) await fn.call(callback, trainer, this.#module, ...rest);
      else
        await profile(this.#profiler, `[Callback]${callback.constructor.name}.${name}`, () =>
          fn.call(callback, trainer, this.#module, ...rest),
        );
    }
    if (loopOwned.has(name)) return;
    const own = (this.#module as unknown as Hooks)[name] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof own !== 'function') return;
    if (this.#profiler === null) await own.call(this.#module, trainer, this.#module, ...rest);
    else await profile(this.#profiler, `[Module].${name}`, () => own.call(this.#module, trainer, this.#module, ...rest));
  }
}
