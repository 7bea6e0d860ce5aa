/**
 * Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_
 * (PyTorch 1.13) compute it: the same norm kernels and the same
 * `clip_coef = max_norm / (total_norm + 1e-6)`, clamped to 1, multiplied
 * into every gradient without a host sync.
 *
 * @example
 * loss.backward();
 * const norm = clipGradNorm_(params, 1.0); // a 0-dim tensor
 * opt.step();
 */
import { ClassifierTrainingError, ConfigError } from '../../errors.js';
import { noGrad } from '../autograd.js';
import { tidy } from '../memory.js';
import { zeros } from '../ops/creation.js';
import { runT } from '../ops/dispatch.js';
import { Tensor } from '../tensor.js';

/** Options for `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm (default 2); `Infinity` for the max norm. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false: scale by it anyway). */
  errorIfNonfinite?: boolean;
}

function gradsOf(params: Tensor | readonly Tensor[]): Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

function pNorm(t: Tensor, p: number): Tensor {
  // torch.norm(t, p) with no dim reduces over every dimension via aten::norm.ScalarOpt_dim.
  return runT('aten::norm', 'ScalarOpt_dim', [t, { float: p }, Array.from({ length: t.ndim }, (_, i) => i), false]);
}

/**
 * Scales all gradients together so that their joint p-norm is at most
 * `maxNorm`; returns the joint norm before clipping (a 0-dim tensor the
 * caller owns).
 *
 * @example
 * const total = clipGradNorm_(params, 5, { normType: Infinity });
 */
export function clipGradNorm_(params: Tensor | readonly Tensor[], maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm))
    throw new ConfigError(`clipGradNorm_: expected maxNorm to be a number, but got ${String(maxNorm)}`);
  return tidy(() =>
    noGrad(() => {
      const grads = gradsOf(params);
      if (grads.length === 0) return zeros([]);
      let total: Tensor;
      if (normType === Infinity) {
        const norms = grads.map((g) => g.abs().max());
        total = norms.length === 1 ? norms[0] : runT('aten::stack', '', [norms, 0]).max();
      } else {
        total = pNorm(runT('aten::stack', '', [grads.map((g) => pNorm(g, normType)), 0]), normType);
      }
      if (options.errorIfNonfinite && !Number.isFinite(total.item())) {
        throw new ClassifierTrainingError(
          `clipGradNorm_: expected a finite total norm of order ${normType}, but got ${total.item()}; pass errorIfNonfinite: false to scale by it anyway`,
        );
      }
      // Python's `max_norm / tensor` is `tensor.reciprocal() * max_norm`.
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp(null, 1);
      for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}

/**
 * Clamps every gradient element into [-clipValue, clipValue], in place.
 *
 * @example
 * clipGradValue_(params, 0.5);
 */
export function clipGradValue_(params: Tensor | readonly Tensor[], clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue))
    throw new ConfigError(`clipGradValue_: expected clipValue to be a number, but got ${String(clipValue)}`);
  tidy(() =>
    noGrad(() => {
      for (const g of gradsOf(params)) g.clamp_(-clipValue, clipValue);
    }),
  );
}
