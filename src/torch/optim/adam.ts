/**
 * Adam with L2 weight decay, AMSGrad and maximize: torch.optim.Adam
 * (PyTorch 1.13), with the operation order of its single-tensor
 * (`foreach=False`) path, so every step gives PyTorch's numbers.
 *
 * @example
 * const opt = new Adam(params, { lr: 1e-3, betas: [0.9, 0.999] });
 */
import type { Tensor } from '../tensor.js';
import { adamUpdate, adamUpdateMany, adamDefaults } from './adam-update.js';
import type { AdamOptions } from './adam-update.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput, StepOptions } from './optimizer.js';

export type { AdamOptions } from './adam-update.js';

/**
 * torch.optim.Adam. State per parameter: `step` (a number), `expAvg`,
 * `expAvgSq` and, with amsgrad, `maxExpAvgSq`.
 *
 * @example
 * const opt = new Adam([w], { lr: 1e-3, weightDecay: 1e-4, amsgrad: true });
 * opt.step();
 */
export class Adam extends Optimizer<AdamOptions> {
  protected readonly name = 'Adam';

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> & StepOptions = {}) {
    const { foreach, ...rest } = options;
    super(params, adamDefaults('Adam', { lr: 1e-3, weightDecay: 0, ...rest }), { foreach });
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    adamUpdate(p, direction(p, grad, group), this.stateOf(p), group);
  }

  protected override updateGroup(params: Tensor[], grads: Tensor[], group: ParamGroup<AdamOptions>): void {
    // Like PyTorch's foreach Adam, the L2 gradients of the whole group exist at once (one copy of them).
    const g = params.map((p, i) => direction(p, grads[i], group));
    adamUpdateMany(
      params,
      g,
      params.map((p) => this.stateOf(p)),
      group,
    );
  }
}

/** The gradient Adam steps along: negated to maximize, plus Adam's L2 penalty (AdamW decays the weights instead). */
function direction(p: Tensor, grad: Tensor, group: AdamOptions): Tensor {
  const g = group.maximize ? grad.neg() : grad;
  return group.weightDecay !== 0 ? g.add(p, group.weightDecay) : g;
}
