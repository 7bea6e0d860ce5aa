/**
 * `nn`: `Module`, the layers, weight initialisation (`nn.init`) and the
 * functional forms (`nn.functional`), with PyTorch's names.
 *
 * @example
 * import { nn } from 'classifier-training';
 * const head = new nn.Sequential(new nn.Flatten(), new nn.Linear(512, 10));
 * nn.init.kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 *
 * @module
 */
export { Module } from './module.js';
export type { ModuleToOptions, LoadStateDictResult } from './module.js';
export { Conv2d } from './conv2d.js';
export type { Conv2dLayerOptions } from './conv2d.js';
export { BatchNorm2d } from './batch-norm2d.js';
export type { BatchNorm2dOptions } from './batch-norm2d.js';
export { SyncBatchNorm } from './sync-batch-norm.js';
export type { SyncBatchNormOptions } from './sync-batch-norm.js';
export { Linear } from './linear.js';
export { ReLU } from './relu.js';
export { MaxPool2d } from './max-pool2d.js';
export type { MaxPool2dOptions } from './max-pool2d.js';
export { AvgPool2d } from './avg-pool2d.js';
export type { AvgPool2dOptions } from './avg-pool2d.js';
export { AdaptiveAvgPool2d } from './adaptive-avg-pool2d.js';
export { Dropout } from './dropout.js';
export { GELU, Hardsigmoid, Hardswish, ReLU6, SiLU, Sigmoid } from './activations.js';
export { LayerNorm } from './layer-norm.js';
export type { LayerNormOptions } from './layer-norm.js';
export { Permute } from './permute.js';
export { MultiheadAttention } from './multihead-attention.js';
export type { MultiheadAttentionOptions } from './multihead-attention.js';
export { StochasticDepth, stochasticDepth } from './stochastic-depth.js';
export { Flatten } from './flatten.js';
export { Identity } from './identity.js';
export { Sequential } from './sequential.js';
export { chain } from './chain.js';
export * as init from './init.js';
export * as functional from './functional.js';
