/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum,
 * L2 weight decay and maximize: torch.optim.SGD (PyTorch 1.13), with the
 * operation order of its single-tensor (`foreach=False`) path, so every step
 * gives PyTorch's numbers.
 *
 * @example
 * const opt = new SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 */
import { native } from '../binding.js';
import { keep, tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, checkOption } from './optimizer.js';
import type { ParamGroup, ParamState, ParamsInput, StepOptions } from './optimizer.js';

/** SGD's options; every one but `lr` has PyTorch's default. */
export interface SGDOptions {
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * torch.optim.SGD. State per parameter: `momentumBuffer` (a tensor, or null
 * while momentum is 0, as in PyTorch).
 *
 * @example
 * const opt = new SGD([w, b], { lr: 0.01, momentum: 0.9 });
 * opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  protected readonly name = 'SGD';

  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number } & StepOptions) {
    const { foreach, ...rest } = options;
    const defaults: SGDOptions = { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, ...rest };
    checkOption('SGD', 'lr', defaults.lr, defaults.lr >= 0, 'a number >= 0');
    checkOption('SGD', 'momentum', defaults.momentum, defaults.momentum >= 0, 'a number >= 0');
    checkOption('SGD', 'weightDecay', defaults.weightDecay, defaults.weightDecay >= 0, 'a number >= 0');
    if (defaults.nesterov && (defaults.momentum <= 0 || defaults.dampening !== 0)) {
      checkOption('SGD', 'momentum', defaults.momentum, false, 'a positive momentum and zero dampening with nesterov');
    }
    super(params, defaults, { foreach });
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
    const state = this.stateOf(p);
    const buffer = (state.momentumBuffer as Tensor | null | undefined) ?? null;
    // Plain SGD, or momentum with the buffer an earlier step made: the fused native update for contiguous /
    // channels-last float32 on CPU (the same float32 arithmetic, one pass over memory). The first momentum
    // step makes the buffer in the per-op path.
    if (momentum === 0 || buffer !== null) {
      const fused = native.sgdStep(
        p.handle,
        grad.handle,
        momentum === 0 ? null : buffer!.handle,
        lr,
        momentum,
        dampening,
        weightDecay,
        nesterov,
        maximize,
      );
      if (fused) {
        if (momentum === 0) state.momentumBuffer = null;
        return;
      }
    }
    perOpUpdate(p, grad, state, group);
  }

  /** `updateParam` for the group at once: one native call for every parameter it takes, then the rest one by one. */
  protected override updateGroup(params: Tensor[], grads: Tensor[], group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
    const states = params.map((p) => this.stateOf(p));
    const ready = params.flatMap((_, i) => (momentum === 0 || (states[i].momentumBuffer ?? null) !== null ? [i] : []));
    const fused =
      ready.length === 0
        ? new Uint8Array(0)
        : native.sgdStepMany(
            ready.map((i) => params[i].handle),
            ready.map((i) => grads[i].handle),
            momentum === 0 ? null : ready.map((i) => (states[i].momentumBuffer as Tensor).handle),
            lr,
            momentum,
            dampening,
            weightDecay,
            nesterov,
            maximize,
          );
    const done = new Set(ready.filter((_, k) => fused[k] === 1));
    params.forEach((p, i) => {
      if (!done.has(i)) tidy(() => this.updateParam(p, grads[i], group));
      else if (momentum === 0) states[i].momentumBuffer = null;
    });
  }
}

/** PyTorch 1.13's `_single_tensor_sgd` update, one whole-tensor op at a time; the first momentum step makes the buffer. */
function perOpUpdate(p: Tensor, grad: Tensor, state: ParamState, group: SGDOptions): void {
  const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
  let dp: Tensor = maximize ? grad.neg() : grad;
  if (weightDecay !== 0) dp = dp.add(p, weightDecay);
  if (momentum !== 0) {
    let buf = (state.momentumBuffer as Tensor | null | undefined) ?? null;
    if (buf === null) {
      buf = keep(dp.clone());
      state.momentumBuffer = buf;
    } else {
      buf.mul_(momentum).add_(dp, 1 - dampening);
    }
    dp = nesterov ? dp.add(buf, momentum) : buf;
  } else {
    state.momentumBuffer = null;
  }
  p.add_(dp, -lr);
}
