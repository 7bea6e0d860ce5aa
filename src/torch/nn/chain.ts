/**
 * `chain(x, ...steps)`: applies steps in order and releases each
 * intermediate result's handle as soon as the next step has consumed it.
 * Autograd keeps whatever it saved for backward, so nothing is lost; what
 * changes is that backward can free each activation as it passes, as
 * PyTorch does when a Python variable is reassigned — instead of every
 * intermediate living until the enclosing `tidy` ends. That lowers peak
 * memory and lets the allocator reuse warm memory during backward.
 * Use it inside a module's own forward, where no one else can hold the
 * intermediates; the input `x` and the result are never released.
 *
 * @example
 * forward(x) { return chain(x, (t) => this.conv.forward(t), (t) => this.bn.forward(t), (t) => t.relu_()); }
 */
import type { Tensor } from '../tensor.js';

/**
 * Applies `steps` to `x` in order and disposes each intermediate once the next step has consumed
 * it, lowering peak memory; `x` and the result are kept. Use it in a module's own forward.
 *
 * @example
 * chain(x, (t) => this.conv.forward(t), (t) => t.relu_());
 */
export function chain(x: Tensor, ...steps: ((t: Tensor) => Tensor)[]): Tensor {
  let out = x;
  for (const step of steps) {
    const next = step(out);
    if (out !== x && next !== out) out.dispose();
    out = next;
  }
  return out;
}
