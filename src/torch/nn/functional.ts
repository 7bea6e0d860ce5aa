/**
 * `nn.functional`: the functional forms of the layers and losses, the same
 * functions `torch.*` exports, gathered under PyTorch's `F` namespace.
 *
 * @example
 * import { nn } from 'classifier-training';
 * const F = nn.functional;
 * F.crossEntropy(F.linear(x, w, b), y, { labelSmoothing: 0.1 });
 */
export * from '../ops/nn-functional.js';
export * from '../ops/loss.js';
