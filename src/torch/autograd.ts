/**
 * Grad-mode scopes. The previous mode is always restored, even on throw.
 *
 * @example
 * const logits = noGrad(() => model.forward(x));
 */
import { native } from './binding.js';

/** Runs `fn` with gradient tracking off. */
export function noGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs `fn` with gradient tracking on (inside a `noGrad` scope, say). */
export function enableGrad<T>(fn: () => T): T {
  const previous = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}

/**
 * Whether autograd records operations now (torch.is_grad_enabled); false inside `noGrad`.
 *
 * @example
 * isGradEnabled(); // true outside noGrad
 */
export const isGradEnabled = (): boolean => native.isGradEnabled();
/**
 * Turns gradient recording on or off (torch.set_grad_enabled) and returns
 * the previous setting; `noGrad` and `enableGrad` restore it for you.
 *
 * @example
 * const was = setGradEnabled(false); setGradEnabled(was);
 */
export const setGradEnabled = (enabled: boolean): boolean => native.setGradEnabled(enabled);
