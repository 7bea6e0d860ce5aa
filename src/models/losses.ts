/**
 * Classification losses for the ClassificationModule: cross-entropy and focal
 * loss, both with class weights, label smoothing and soft targets.
 *
 * Focal loss (Lin et al., "Focal Loss for Dense Object Detection", 2017),
 * generalised to label smoothing and soft targets the same way PyTorch's
 * cross-entropy is: with q the (smoothed) target distribution and w the
 * class weights, each sample's loss is -Σ_c w_c q_c (1 - p_c)^γ log p_c.
 * The mean divides by Σ_i w_{y_i} for class-index targets (as PyTorch's
 * weighted cross-entropy does) and by N for soft targets. With γ = 0 it is
 * exactly PyTorch's cross-entropy.
 *
 * @example
 * focalLoss(logits, labels, { gamma: 2, labelSmoothing: 0.1, weight });
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/**
 * Options of `focalLoss`: gamma (default 2; 0 is plain cross-entropy), class weights [C], label smoothing (default 0)
 * and the reduction (default 'mean').
 *
 * @example
 * focalLoss(logits, labels, { gamma: 1, reduction: 'none' }); // one loss per sample
 */
export interface FocalLossOptions {
  gamma?: number;
  weight?: Tensor | null;
  labelSmoothing?: number;
  reduction?: 'none' | 'mean' | 'sum';
}

/** Focal loss of logits [N, C] against int64 class indices [N] or probabilities [N, C]. */
export function focalLoss(logits: Tensor, target: Tensor, options: FocalLossOptions = {}): Tensor {
  const { gamma = 2, weight = null, labelSmoothing = 0, reduction = 'mean' } = options;
  if (gamma < 0) throw new RangeError(`focalLoss: expected gamma >= 0, but got ${gamma}`);
  if (labelSmoothing < 0 || labelSmoothing > 1)
    throw new RangeError(`focalLoss: expected labelSmoothing in [0, 1], but got ${labelSmoothing}`);
  return torch.tidy(() => {
    const numClasses = logits.size(1);
    const hard = target.dtype === 'int64';
    const logp = torch.logSoftmax(logits, 1);
    let q = hard ? torch.oneHot(target, numClasses).to({ dtype: logp.dtype }) : target.to({ dtype: logp.dtype });
    if (labelSmoothing > 0) q = q.mul(1 - labelSmoothing).add(labelSmoothing / numClasses);
    let perClass = q.mul(logp);
    if (gamma > 0) perClass = perClass.mul(torch.sub(torch.onesLike(logp), logp.exp()).pow(gamma));
    if (weight !== null) perClass = perClass.mul(weight.unsqueeze(0));
    const perSample = perClass.sum({ dim: 1 }).neg();
    if (reduction === 'none') return perSample;
    if (reduction === 'sum') return perSample.sum();
    if (hard && weight !== null) return perSample.sum().div(weight.indexSelect(0, target).sum());
    return perSample.mean();
  });
}
