/**
 * Reads one layer's output and its gradient without hooks in `Module`: for
 * the length of one call, the layer's `forward` is wrapped on the instance so
 * its output becomes a fresh autograd leaf. Backward then stops there (the
 * layers below compute no gradient) and the leaf's `.grad` is d(score)/d(A),
 * what a PyTorch forward hook plus `retain_grad` would give. The rest of the
 * network reads a clone, so an in-place op after the layer or `chain`
 * releasing its input cannot touch the leaf.
 *
 * A Sequential is never called as a whole inside the zoo (`runSteps` runs
 * its children one by one), and its output is its last child's: the wrap
 * goes on that last leaf.
 *
 * @example
 * const { result, activation } = captureActivation(layer, () => model.forward(x));
 * result.sum().backward(); activation.grad; // same shape as activation
 */
import { ConfigError } from '../errors.js';
import type { Tensor } from '../torch/index.js';
import { Sequential } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';

/** The module whose `forward` produces `module`'s output when it runs. */
function producer(module: Module): Module {
  let m = module;
  while (m instanceof Sequential) {
    const children = [...m.children()];
    if (children.length === 0) break;
    m = children[children.length - 1];
  }
  return m;
}

/**
 * Runs `fn` with `module`'s output replaced by a leaf that requires grad, and
 * returns `fn`'s result with that leaf (the last call's, when the layer runs
 * more than once). Tensors are left to the caller's `tidy`.
 *
 * @example
 * const { result: logits, activation } = captureActivation(model.layer4, () => model.forward(x));
 */
export function captureActivation<T>(module: Module, fn: () => T): { result: T; activation: Tensor } {
  const target = producer(module);
  const original = target.forward.bind(target);
  let activation: Tensor | null = null;
  Object.defineProperty(target, 'forward', {
    configurable: true,
    writable: true,
    value: (input: Tensor): Tensor => {
      activation = original(input).detach().requiresGrad_(true);
      return activation.clone();
    },
  });
  try {
    const result = fn();
    if (activation === null)
      throw new ConfigError(
        `gradCam: expected the forward to run the target layer (${target.constructor.name}), but it never did; choose a layer on the forward path`,
      );
    return { result, activation };
  } finally {
    delete (target as { forward?: unknown }).forward;
  }
}
