/**
 * The multi-label losses, registered in the loss group: `bce`
 * (BCEWithLogits, with a positive weight per label and label smoothing) and
 * `asl`, the asymmetric loss of Ridnik et al., "Asymmetric Loss For
 * Multi-Label Classification" (ICCV 2021). Both take logits [N, C] and
 * multi-hot (or mixed, MixUp/CutMix) targets [N, C] in [0, 1].
 *
 * Label smoothing for BCE moves every target towards 1/2: y (1 − ε) + ε / 2.
 * `posWeight: auto` is negatives / positives per label in the training set;
 * MultiLabelModule asks the data module for it (`positiveWeights()`) when a
 * fit starts and hands it to the loss as `posWeight`.
 *
 * ASL, following the authors' reference implementation: with p = σ(x) and
 * p_m = max(p − m, 0) the negatives' probability shifted by the margin
 * `clip` m, each element's loss is
 *   −y (1 − p)^γ+ log p − (1 − y) p_m^γ− log(1 − p_m),
 * logs clamped at `eps`; the focusing weights (1 − p_t)^γ are computed
 * without gradient unless `focusingGrad` (the reference's default
 * `disable_torch_grad_focal_loss=True`). The reference sums over everything;
 * here `mean` (the default) divides that sum by N × C, so γ± = 0, m = 0
 * is exactly BCE's mean and learning rates carry over between the two.
 *
 * @example
 * const loss = registry.build<LossFunction>('loss', 'asl', { gammaNeg: 4, gammaPos: 1, clip: 0.05 });
 * loss(logits, multiHot).backward();
 */
import { z } from 'zod';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { ShapeError } from '../errors.js';
import { register } from '../registry.js';
import type { LossFunction } from './components.js';

/**
 * Options of `asymmetricLoss` (the paper's defaults: gammaNeg 4, gammaPos 1, clip 0.05).
 *
 * @example
 * asymmetricLoss(logits, target, { gammaNeg: 2, gammaPos: 0, clip: 0 });
 */
export interface AsymmetricLossOptions {
  gammaNeg?: number;
  gammaPos?: number;
  /** The probability margin m shifted off the negatives (0: none). */
  clip?: number;
  eps?: number;
  /** Back-propagate through the focusing weights too (the reference does not). */
  focusingGrad?: boolean;
  reduction?: 'none' | 'mean' | 'sum';
}

function checkTargets(component: string, logits: Tensor, target: Tensor): void {
  if (logits.ndim !== 2 || target.ndim !== 2 || target.size(0) !== logits.size(0) || target.size(1) !== logits.size(1)) {
    throw new ShapeError(
      `${component}: expected multi-hot targets of the logits' shape [${logits.shape.join(', ')}], but got [${target.shape.join(', ')}] (is the data module multi-label? task=multilabel)`,
    );
  }
}

/** The asymmetric loss of logits [N, C] against targets [N, C] in [0, 1]. */
export function asymmetricLoss(logits: Tensor, target: Tensor, options: AsymmetricLossOptions = {}): Tensor {
  const { gammaNeg = 4, gammaPos = 1, clip = 0.05, eps = 1e-8, focusingGrad = false, reduction = 'mean' } = options;
  checkTargets('asymmetricLoss', logits, target);
  return torch.tidy(() => {
    const y = target.to({ dtype: logits.dtype });
    const notY = torch.onesLike(y).sub(y);
    const pos = logits.sigmoid();
    let neg = torch.onesLike(pos).sub(pos);
    if (clip > 0) neg = neg.add(clip).clamp(null, 1);
    let loss = y.mul(pos.clamp(eps).log()).add(notY.mul(neg.clamp(eps).log()));
    if (gammaNeg > 0 || gammaPos > 0) {
      const weight = (): Tensor => {
        const pt = pos.mul(y).add(neg.mul(notY));
        return torch
          .onesLike(pt)
          .sub(pt)
          .pow(y.mul(gammaPos).add(notY.mul(gammaNeg)));
      };
      loss = loss.mul(focusingGrad ? weight() : torch.noGrad(weight));
    }
    loss = loss.neg();
    if (reduction === 'none') return loss;
    return reduction === 'sum' ? loss.sum() : loss.mean();
  });
}

const reduction = z.enum(['none', 'mean', 'sum']).default('mean');
const isTensor = (v: unknown): v is Tensor => v instanceof torch.Tensor;

const bceSchema = z
  .object({
    /** 'none', 'auto' (negatives / positives per label in the train split), or one weight per label. */
    posWeight: z
      .union([z.enum(['none', 'auto']), z.array(z.number().min(0)), z.custom<Tensor>(isTensor, { message: 'expected a Tensor' })])
      .default('none'),
    labelSmoothing: z.number().min(0).max(1).default(0),
    reduction,
  })
  .strict();

/** The posWeight tensor for the logits, or null; 'auto' must have been replaced by the module's weights. */
function posWeightFor(posWeight: z.output<typeof bceSchema>['posWeight'], logits: Tensor): Tensor | null {
  if (posWeight === 'none') return null;
  if (posWeight === 'auto') {
    throw new ShapeError("bce: expected posWeight computed from the train split, but got 'auto' with no data (fit through the Trainer)");
  }
  const count = isTensor(posWeight) ? posWeight.numel() : posWeight.length;
  if (count !== logits.size(1)) throw new ShapeError(`bce: expected ${logits.size(1)} posWeight values (one per label), but got ${count}`);
  const options = { dtype: logits.dtype, device: logits.device };
  return isTensor(posWeight) ? posWeight.to(options) : torch.tensor([...posWeight], options);
}

register({
  group: 'loss',
  name: 'bce',
  schema: bceSchema,
  description: 'multi-label: binary_cross_entropy_with_logits (posWeight none | auto | per label, label smoothing to 1/2)',
  build:
    (o: z.output<typeof bceSchema>): LossFunction =>
    (logits, target) =>
      torch.tidy(() => {
        checkTargets('bce', logits, target);
        let y = target.to({ dtype: logits.dtype });
        if (o.labelSmoothing > 0) y = y.mul(1 - o.labelSmoothing).add(o.labelSmoothing / 2);
        return torch.binaryCrossEntropyWithLogits(logits, y, { posWeight: posWeightFor(o.posWeight, logits), reduction: o.reduction });
      }),
});

const aslSchema = z
  .object({
    gammaNeg: z.number().min(0).default(4),
    gammaPos: z.number().min(0).default(1),
    clip: z.number().min(0).max(1).default(0.05),
    eps: z.number().positive().default(1e-8),
    focusingGrad: z.boolean().default(false),
    reduction,
  })
  .strict();

register({
  group: 'loss',
  name: 'asl',
  schema: aslSchema,
  description: 'multi-label: asymmetric loss (Ridnik et al. 2021); gammaNeg 0, gammaPos 0, clip 0 is bce',
  build:
    (o: z.output<typeof aslSchema>): LossFunction =>
    (logits, target) =>
      asymmetricLoss(logits, target, o),
});
