/**
 * The moment update Adam and AdamW share, in the operation order of
 * PyTorch 1.13's `_single_tensor_adam` / `_single_tensor_adamw`.
 *
 * @example
 * adamUpdate(param, grad, state, group); // inside Optimizer.step's tidy + noGrad
 */
import { native } from '../binding.js';
import { keep, tidy } from '../memory.js';
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

/** One parameter's step: its state tensors and bias-corrected scalars, after the step count moved on. */
interface AdamRow {
  expAvg: Tensor;
  expAvgSq: Tensor;
  max: Tensor | null;
  stepSize: number;
  bc2Sqrt: number;
}

/** Makes the state on the first step, counts the step and computes its scalars as PyTorch does, in double. */
function advance(param: Tensor, state: ParamState, group: AdamOptions): AdamRow {
  const [beta1, beta2] = group.betas;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = keep(zerosLike(param));
    state.expAvgSq = keep(zerosLike(param));
    if (group.amsgrad) state.maxExpAvgSq = keep(zerosLike(param));
  }
  const step = (state.step as number) + 1;
  state.step = step;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  // PyTorch creates max_exp_avg_sq only at init; an amsgrad switched on later starts from zeros here.
  const max = group.amsgrad ? ((state.maxExpAvgSq as Tensor | undefined) ?? (state.maxExpAvgSq = keep(zerosLike(param)))) : null;
  return {
    expAvg: state.expAvg as Tensor,
    expAvgSq: state.expAvgSq as Tensor,
    max,
    stepSize: group.lr / biasCorrection1,
    bc2Sqrt: Math.sqrt(biasCorrection2),
  };
}

/**
 * One Adam moment update and parameter step; `grad` already has maximize / L2 applied. `decay`: AdamW's
 * decoupled factor 1 - lr * wd, applied to the parameter first (1: none). Contiguous float32 CPU tensors
 * take the fused native kernel (one pass over memory, the same float32 arithmetic per element); others the
 * per-op path below.
 *
 * @example
 * adamUpdate(param, grad, state, group, 1 - group.lr * group.weightDecay); // inside Optimizer.step's tidy + noGrad
 */
export function adamUpdate(param: Tensor, grad: Tensor, state: ParamState, group: AdamOptions, decay = 1): void {
  stepRow(param, grad, advance(param, state, group), group, decay);
}

/** One parameter's update once its state has moved on: fused where the native kernel takes it, else per-op. */
function stepRow(param: Tensor, grad: Tensor, row: AdamRow, group: AdamOptions, decay: number): void {
  const [beta1, beta2] = group.betas;
  const { expAvg, expAvgSq, max } = row;
  const fused = native.adamStep(
    param.handle,
    grad.handle,
    expAvg.handle,
    expAvgSq.handle,
    max?.handle ?? null,
    decay,
    beta1,
    beta2,
    row.stepSize,
    row.bc2Sqrt,
    group.eps,
  );
  if (!fused) perOpUpdate(param, grad, row, group, decay);
}

/**
 * `adamUpdate` for a param group's parameters at once: one native call updates every fusable one, each
 * with its own step count; the rest are then updated one by one, each in its own scope (per-op, or fused
 * alone when only sharing memory with an earlier parameter kept it out). The same numbers as `adamUpdate`
 * on each parameter in turn, bit for bit.
 *
 * @example
 * adamUpdateMany(params, grads, params.map((p) => this.stateOf(p)), group, decay); // inside tidy + noGrad
 */
export function adamUpdateMany(params: Tensor[], grads: Tensor[], states: ParamState[], group: AdamOptions, decay = 1): void {
  const rows = params.map((p, i) => advance(p, states[i], group));
  const [beta1, beta2] = group.betas;
  const fused = native.adamStepMany(
    params.map((p) => p.handle),
    grads.map((g) => g.handle),
    rows.map((r) => r.expAvg.handle),
    rows.map((r) => r.expAvgSq.handle),
    group.amsgrad ? rows.map((r) => (r.max as Tensor).handle) : null,
    Float64Array.from(rows, (r) => r.stepSize),
    Float64Array.from(rows, (r) => r.bc2Sqrt),
    decay,
    beta1,
    beta2,
    group.eps,
  );
  rows.forEach((row, i) => {
    if (fused[i] === 0) tidy(() => stepRow(params[i], grads[i], row, group, decay));
  });
}

/** PyTorch 1.13's `_single_tensor_adam(w)` update, one whole-tensor op at a time. */
function perOpUpdate(param: Tensor, grad: Tensor, row: AdamRow, group: AdamOptions, decay: number): void {
  const [beta1, beta2] = group.betas;
  const { expAvg, expAvgSq, max } = row;
  // PyTorch multiplies by 1 - lr * wd unconditionally; x * 1 is exact, so skip it.
  if (decay !== 1) param.mul_(decay);
  let second = expAvgSq;
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  if (max !== null) {
    run('aten::maximum', 'out', [max, expAvgSq, max]);
    second = max;
  }
  // (sqrt(v) / bc2_sqrt).add_(eps): dividing in place on the fresh sqrt is the same kernel, one allocation less.
  const denom = second.sqrt().div_(row.bc2Sqrt).add_(group.eps);
  param.addcdiv_(expAvg, denom, -row.stepSize);
}
