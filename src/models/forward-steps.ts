/**
 * A model's forward order written once, as data: the child layers in the
 * order they run, and `'flatten'` for `Tensor.flatten(1)` (torchvision's
 * `torch.flatten(x, 1)` before a head). A module's `forward` runs its steps
 * with `runSteps`, and the ONNX writer emits the same list, so the order is
 * never restated elsewhere.
 *
 * @example
 * get branch(): readonly ForwardStep[] { return [this.conv1, this.bn1, this.relu]; }
 * forward(x: Tensor): Tensor { return runSteps(x, this.branch); }
 */
import type { Tensor } from '../torch/index.js';
import { Sequential, chain } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';

/** One step of a forward: a child layer, or flattening from dimension 1. */
export type ForwardStep = Module | 'flatten';

/**
 * Runs `steps` on `x` through `chain`, so each intermediate is released as
 * soon as the next step has read it. A Sequential step runs as its children,
 * one by one, so the activations inside it are released the same way.
 *
 * @example
 * runSteps(x, [conv, bn, 'flatten', fc]);
 */
export function runSteps(x: Tensor, steps: readonly ForwardStep[]): Tensor {
  const calls = steps.flatMap((step): ((t: Tensor) => Tensor)[] => {
    if (step === 'flatten') return [(t) => t.flatten(1)];
    const layers = step instanceof Sequential ? [...step.children()] : [step];
    return layers.map((layer) => (t: Tensor) => layer.forward(t));
  });
  return chain(x, ...calls);
}
