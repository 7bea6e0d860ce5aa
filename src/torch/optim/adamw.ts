/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled
 * Weight Decay Regularization", 2019), as torch.optim.AdamW (PyTorch 1.13)
 * computes it on its single-tensor (`foreach=False`) path, step for step.
 *
 * @example
 * const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0.05 });
 */
import type { Tensor } from '../tensor.js';
import { adamUpdate, adamDefaults } from './adam-update.js';
import type { AdamOptions } from './adam-update.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './optimizer.js';

/**
 * torch.optim.AdamW (default weightDecay 1e-2). State per parameter: `step`
 * (a number), `expAvg`, `expAvgSq` and, with amsgrad, `maxExpAvgSq`.
 *
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 3e-4 });
 * opt.step();
 */
export class AdamW extends Optimizer<AdamOptions> {
  protected readonly name = 'AdamW';

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults('AdamW', { lr: 1e-3, weightDecay: 1e-2, ...options }));
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    const g: Tensor = group.maximize ? grad.neg() : grad;
    const state = this.stateOf(p);
    adamUpdate(p, g, state, group, 1 - group.lr * group.weightDecay);
  }
}
