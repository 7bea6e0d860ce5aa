/**
 * Adam with L2 weight decay, AMSGrad and maximize: torch.optim.Adam
 * (PyTorch 1.13), with the operation order of its single-tensor
 * (`foreach=False`) path, so every step gives PyTorch's numbers.
 *
 * @example
 * const opt = new Adam(params, { lr: 1e-3, betas: [0.9, 0.999] });
 */
import type { Tensor } from '../tensor.js';
import { adamUpdate, adamDefaults } from './adam-update.js';
import type { AdamOptions } from './adam-update.js';
import { Optimizer } from './optimizer.js';
import type { ParamGroup, ParamsInput } from './optimizer.js';

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

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, adamDefaults('Adam', { lr: 1e-3, weightDecay: 0, ...options }));
  }

  protected updateParam(p: Tensor, grad: Tensor, group: ParamGroup<AdamOptions>): void {
    let g: Tensor = group.maximize ? grad.neg() : grad;
    const state = this.stateOf(p);
    // Adam's L2 penalty goes into the gradient (AdamW decays the weights instead).
    if (group.weightDecay !== 0) g = g.add(p, group.weightDecay);
    adamUpdate(p, g, state, group);
  }
}
