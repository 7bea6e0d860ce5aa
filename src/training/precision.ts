/**
 * Precision: how the forward pass runs and how gradients are applied.
 * '32' runs as is; 'bf16-mixed' runs the forward under autocast to bfloat16
 * (CPU or CUDA), weights and optimizer state staying fp32; '16-mixed' (CUDA
 * only) also scales the loss with a `GradScaler` so fp16 gradients do not
 * underflow, and skips steps whose gradients overflowed.
 *
 * @example
 * const precision = new Precision('bf16-mixed', 'cpu');
 * const loss = precision.forward(() => module.trainingStep(batch, i));
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import { ConfigError } from '../errors.js';
import { GradScaler } from './grad-scaler.js';

/** The precision names the Trainer accepts. */
export type PrecisionName = '32' | 'bf16-mixed' | '16-mixed';

/** Forward under autocast and scaled backward, as the precision asks. */
export class Precision {
  readonly name: PrecisionName;
  readonly device: 'cpu' | 'cuda';
  readonly scaler: GradScaler | null;

  constructor(name: PrecisionName, device: 'cpu' | 'cuda') {
    if (name === '16-mixed' && device !== 'cuda') {
      throw new ConfigError(
        `Trainer: expected precision '16-mixed' only with a CUDA device, but got device '${device}'; use 'bf16-mixed' on CPU`,
        [{ path: 'trainer.precision', message: "'16-mixed' needs CUDA" }],
      );
    }
    this.name = name;
    this.device = device;
    this.scaler = name === '16-mixed' ? new GradScaler() : null;
  }

  /** Runs the forward (and loss) under the precision's autocast. */
  forward<T>(fn: () => T): T {
    if (this.name === '32') return fn();
    return torch.autocast(fn, { device: this.device, dtype: this.name === 'bf16-mixed' ? 'bfloat16' : 'float16' });
  }

  /** Back-propagates `loss` (scaled under '16-mixed'). */
  backward(loss: Tensor): void {
    if (this.scaler === null) loss.backward();
    else torch.tidy(() => this.scaler?.scale(loss).backward());
  }

  /** Prepares gradients for clipping (unscales them under '16-mixed'). */
  unscale(optimizer: Optimizer): void {
    this.scaler?.unscale_(optimizer);
  }

  /** Steps the optimizer; false when the step was skipped (fp16 overflow). */
  step(optimizer: Optimizer): boolean {
    if (this.scaler === null) {
      optimizer.step();
      return true;
    }
    return this.scaler.step(optimizer);
  }
}
