/**
 * Classification losses, as `torch.nn.functional` defines them.
 *
 * @example
 * crossEntropy(logits, labels, { labelSmoothing: 0.1, weight: classWeights });
 * crossEntropy(logits, softTargets); // float targets: class probabilities
 */
import type { Tensor } from '../tensor.js';
import { runT } from './dispatch.js';

/**
 * How a loss combines per-element values, PyTorch's `reduction`: 'none' keeps them, 'mean' averages them, 'sum' adds them.
 *
 * @example
 * crossEntropy(logits, labels, { reduction: 'none' }); // [N]
 */
export type Reduction = 'none' | 'mean' | 'sum';
const reductionCode = (r: Reduction): number => {
  const code = { none: 0, mean: 1, sum: 2 }[r];
  if (code === undefined) throw new TypeError(`reduction: expected one of none, mean, sum but got ${String(r)}`);
  return code;
};

/**
 * Options of `crossEntropy` and `nllLoss`, torch.nn.functional.cross_entropy's keyword arguments; `reduction` defaults to 'mean'.
 *
 * @example
 * crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export interface CrossEntropyOptions {
  /** Per-class weights, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this are ignored (class-index targets only). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** In [0, 1]: mixes the target with the uniform distribution. */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between logits [N, C] and either int64 class indices [N] or
 * class probabilities [N, C] (soft targets, e.g. from MixUp).
 */
export function crossEntropy(logits: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    // NaN fails too
    throw new RangeError(`crossEntropy: expected labelSmoothing in [0, 1] but got ${labelSmoothing}`);
  }
  return runT('aten::cross_entropy_loss', '', [logits, target, weight, reductionCode(reduction), ignoreIndex, labelSmoothing]);
}

/** Negative log-likelihood of log-probabilities [N, C] at int64 targets [N]. */
export function nllLoss(logProbs: Tensor, target: Tensor, options: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  return runT('aten::nll_loss_nd', '', [logProbs, target, weight, reductionCode(reduction), ignoreIndex]);
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return runT('aten::mse_loss', '', [input, target, reductionCode(reduction)]);
}

/**
 * Options of `binaryCrossEntropyWithLogits`, torch.nn.functional.binary_cross_entropy_with_logits's keyword arguments.
 *
 * @example
 * binaryCrossEntropyWithLogits(logits, multiHot, { posWeight: torch.tensor([3, 0.5]) });
 */
export interface BinaryCrossEntropyOptions {
  /** A rescaling weight broadcast against the input. */
  weight?: Tensor | null;
  /** The weight of each label's positive term, shape [C]: above 1 favours recall. */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/** Binary cross-entropy of logits against targets in [0, 1] of the same shape (sigmoid inside, numerically stable). */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  const { weight = null, posWeight = null, reduction = 'mean' } = options;
  return runT('aten::binary_cross_entropy_with_logits', '', [logits, target, weight, posWeight, reductionCode(reduction)]);
}
