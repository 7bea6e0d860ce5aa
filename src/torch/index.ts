/**
 * The PyTorch-style API: `torch.*` functions, `Tensor`, memory scopes,
 * autograd scopes and runtime settings.
 *
 * @example
 * import { torch } from 'classifier-training';
 * const y = torch.tidy(() => torch.relu(torch.randn([2, 3])));
 *
 * @module
 */
export { Tensor } from './tensor.js';
export type { ToOptions, NestedNumbers } from './tensor.js';
export type { DType, Device, MemoryFormat } from './dtype.js';
export { dtypes, isFloatingPoint } from './dtype.js';
export { tidy, keep, dispose, memory } from './memory.js';
export type { MemoryInfo } from './memory.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd.js';
export {
  manualSeed,
  getRngState,
  setRngState,
  useDeterministicAlgorithms,
  areDeterministicAlgorithmsEnabled,
  setNumThreads,
  getNumThreads,
  version,
  showConfig,
  parallelInfo,
  cuda,
  autocast,
} from './runtime.js';
export type { AutocastOptions } from './runtime.js';
export * from './ops/creation.js';
export * from './ops/math.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './ops/indexing.js';
export * from './ops/nn-functional.js';
export * from './ops/loss.js';
export { schemaOf } from './ops/dispatch.js';
export { save, load } from './serialization/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
