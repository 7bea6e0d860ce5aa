/**
 * The moment update Adam and AdamW share, in the operation order of
 * PyTorch 1.13's `_single_tensor_adam` / `_single_tensor_adamw`.
 *
 * @example
 * adamUpdate(param, grad, state, group); // inside Optimizer.step's tidy + noGrad
 */
import { native } from '../binding.js';
import { keep } from '../memory.js';
import { zerosLike } from '../ops/creation.js';
import { run } from '../ops/dispatch.js';
import type { Tensor } from '../tensor.js';
import { checkOption } from './optimizer.js';
import type { ParamState } from './optimizer.js';

/** Adam's and AdamW's options (PyTorch's defaults apart from weightDecay, which differs). */
export interface AdamOptions {
  lr: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty (default 0); AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the AMSGrad variant (the running maximum of the second moment). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/** Fills in and checks Adam-family options. */
export function adamDefaults(component: string, options: Partial<AdamOptions> & { lr: number; weightDecay: number }): AdamOptions {
  const o: AdamOptions = { betas: [0.9, 0.999], eps: 1e-8, amsgrad: false, maximize: false, ...options };
  o.betas = [o.betas[0], o.betas[1]];
  checkOption(component, 'lr', o.lr, o.lr >= 0, 'a number >= 0');
  checkOption(component, 'eps', o.eps, o.eps >= 0, 'a number >= 0');
  checkOption(component, 'betas[0]', o.betas[0], o.betas[0] >= 0 && o.betas[0] < 1, 'in [0, 1)');
  checkOption(component, 'betas[1]', o.betas[1], o.betas[1] >= 0 && o.betas[1] < 1, 'in [0, 1)');
  checkOption(component, 'weightDecay', o.weightDecay, o.weightDecay >= 0, 'a number >= 0');
  return o;
}

/**
 * One Adam moment update and parameter step; `grad` already has maximize / L2 applied. `decay`: AdamW's
 * decoupled factor 1 - lr * wd, applied to the parameter first (1: none). Contiguous float32 CPU tensors
 * take the fused native kernel (one pass over memory, the same float32 arithmetic per element); others the
 * per-op path below.
 */
export function adamUpdate(param: Tensor, grad: Tensor, state: ParamState, group: AdamOptions, decay = 1): void {
  const [beta1, beta2] = group.betas;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = keep(zerosLike(param));
    state.expAvgSq = keep(zerosLike(param));
    if (group.amsgrad) state.maxExpAvgSq = keep(zerosLike(param));
  }
  const step = (state.step as number) + 1;
  state.step = step;
  const expAvg = state.expAvg as Tensor;
  const expAvgSq = state.expAvgSq as Tensor;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = group.lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  const max = group.amsgrad ? ((state.maxExpAvgSq as Tensor | undefined) ?? (state.maxExpAvgSq = keep(zerosLike(param)))) : null;
  const fused = native.adamStep(
    param.handle,
    grad.handle,
    expAvg.handle,
    expAvgSq.handle,
    max?.handle ?? null,
    decay,
    beta1,
    beta2,
    stepSize,
    biasCorrection2Sqrt,
    group.eps,
  );
  if (fused) return;
  // PyTorch multiplies by 1 - lr * wd unconditionally; x * 1 is exact, so skip it.
  if (decay !== 1) param.mul_(decay);
  let second = expAvgSq;
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  if (max !== null) {
    // PyTorch creates max_exp_avg_sq only at init; an amsgrad switched on later starts from zeros here.
    run('aten::maximum', 'out', [max, expAvgSq, max]);
    second = max;
  }
  // (sqrt(v) / bc2_sqrt).add_(eps): dividing in place on the fresh sqrt is the same kernel, one allocation less.
  const denom = second.sqrt().div_(biasCorrection2Sqrt).add_(group.eps);
  param.addcdiv_(expAvg, denom, -stepSize);
}
