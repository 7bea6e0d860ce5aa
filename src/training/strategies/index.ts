/**
 * Strategies: how a run spreads over processes. `DdpStrategy` (c10d, Gloo),
 * the subprocess launcher and torchrun's environment.
 *
 * @example
 * import { DdpStrategy, launchProcesses, hasTorchrunEnv } from './strategies/index.js';
 */
export { DdpStrategy } from './ddp-strategy.js';
export type { DdpStrategyOptions } from './ddp-strategy.js';
export { EvalShardSampler } from './eval-shard-sampler.js';
export type { EvalShardSamplerOptions } from './eval-shard-sampler.js';
export { launchProcesses, freePort } from './launcher.js';
export type { LaunchOptions, LaunchResult } from './launcher.js';
export { readTorchrunEnv, hasTorchrunEnv } from './torchrun-env.js';
export type { TorchrunEnv } from './torchrun-env.js';
