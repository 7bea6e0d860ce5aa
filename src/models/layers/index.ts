/**
 * The building blocks torchvision keeps in `torchvision.ops.misc`, shared by
 * the model zoo's families: `Conv2dNormActivation`, `SqueezeExcitation`, `MLP`.
 *
 * @example
 * import { Conv2dNormActivation } from './layers/index.js';
 *
 * @module
 */
export { Conv2dNormActivation } from './conv-norm-activation.js';
export type { Conv2dNormActivationOptions } from './conv-norm-activation.js';
export { SqueezeExcitation } from './squeeze-excitation.js';
export type { SqueezeExcitationOptions } from './squeeze-excitation.js';
export { MLP } from './mlp.js';
export type { MLPOptions } from './mlp.js';
