/**
 * `GradScaler`: dynamic loss scaling for fp16 training, as
 * `torch.cuda.amp.GradScaler`: the loss is multiplied by `scale` before
 * backward; before the step, gradients are divided by it and checked; a step
 * with inf/NaN gradients is skipped and the scale halved (`backoffFactor`),
 * and after `growthInterval` good steps the scale doubles (`growthFactor`).
 *
 * @example
 * const scaler = new GradScaler();
 * scaler.scale(loss).backward(); scaler.unscale_(opt); scaler.step(opt);
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Optimizer } from '../torch/optim/index.js';

/** Options of `GradScaler` (PyTorch's defaults). */
export interface GradScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
}

/** Dynamic loss scaling. */
export class GradScaler {
  scale_: number;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  #goodSteps = 0;
  #unscaled = false;
  #foundInf = false;

  constructor(options: GradScalerOptions = {}) {
    this.scale_ = options.initScale ?? 2 ** 16;
    this.growthFactor = options.growthFactor ?? 2;
    this.backoffFactor = options.backoffFactor ?? 0.5;
    this.growthInterval = options.growthInterval ?? 2000;
  }

  /** The loss times the current scale. */
  scale(loss: Tensor): Tensor {
    return loss.mul(this.scale_);
  }

  /** Divides every gradient by the scale and notes whether any is not finite (one host read). */
  unscale_(optimizer: Optimizer): void {
    if (this.#unscaled) return;
    this.#foundInf = torch.tidy(() => {
      // Each `p.grad` is a new handle to the gradient: the scope frees the handles, not the gradients.
      const grads = optimizer.paramGroups.flatMap((g) => g.params.map((p) => p.grad)).filter((g): g is Tensor => g !== null);
      let bad: Tensor | null = null;
      for (const g of grads) {
        g.mul_(1 / this.scale_);
        const count = torch.isfinite(g).logicalNot().sum();
        bad = bad === null ? count : bad.add(count);
      }
      return bad !== null && bad.item() > 0;
    });
    this.#unscaled = true;
  }

  /** Steps unless a gradient overflowed; updates the scale. Returns whether it stepped. */
  step(optimizer: Optimizer): boolean {
    this.unscale_(optimizer);
    const stepped = !this.#foundInf;
    if (stepped) optimizer.step();
    this.#update();
    return stepped;
  }

  #update(): void {
    if (this.#foundInf) {
      this.scale_ *= this.backoffFactor;
      this.#goodSteps = 0;
    } else if (++this.#goodSteps >= this.growthInterval) {
      this.scale_ *= this.growthFactor;
      this.#goodSteps = 0;
    }
    this.#unscaled = false;
    this.#foundInf = false;
  }

  stateDict(): { scale: number; goodSteps: number } {
    return { scale: this.scale_, goodSteps: this.#goodSteps };
  }

  loadStateDict(state: { scale: number; goodSteps: number }): void {
    this.scale_ = state.scale;
    this.#goodSteps = state.goodSteps;
  }
}
