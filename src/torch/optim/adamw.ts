/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled
 * Weight Decay Regularization", 2019), as torch.optim.AdamW (PyTorch 1.13)
 * computes it on its single-tensor (`foreach=False`) path, step for step.
 *
 * @example
 * const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0.05 });
 */
import type { Tensor } from '../tensor.js';
import { adamUpdate, adamUpdateMany, adamDefaults } from './adam-update.js';
import type { AdamOptions } from './adam-update.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput, StepOptions } from './optimizer.js';

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

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> & StepOptions = {}) {
    const { foreach, ...rest } = options;
    super(params, adamDefaults('AdamW', { lr: 1e-3, weightDecay: 1e-2, ...rest }), { foreach });
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    adamUpdate(p, group.maximize ? grad.neg() : grad, this.stateOf(p), group, 1 - group.lr * group.weightDecay);
  }

  protected override updateGroup(params: Tensor[], grads: Tensor[], group: ParamGroup<AdamOptions>): void {
    const g = group.maximize ? grads.map((x) => x.neg()) : grads;
    adamUpdateMany(
      params,
      g,
      params.map((p) => this.stateOf(p)),
      group,
      1 - group.lr * group.weightDecay,
    );
  }
}
