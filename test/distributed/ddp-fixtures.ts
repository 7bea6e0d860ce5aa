/**
 * Shared by the distributed tests and their worker: a tiny CNN without
 * BatchNorm (per-rank batch statistics differ from the 2B batch's; that needs
 * SyncBatchNorm), seeded data per step, the training variants (memory format,
 * bf16 autocast) and one step's loss under each, and the launcher's command
 * for the worker.
 *
 * @example
 * const model = trainModel(0, trainVariants['train-bf16']); const { x, y } = stepBatch(0, 8);
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/torch/index.js';
import { AdaptiveAvgPool2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/torch/nn/index.js';
import type { Tensor } from '../../src/torch/index.js';

export const perRankBatch = 4;
export const steps = 4;

/** The same weights on every call (seeded). The 1x1 conv's weight has size-1 dims, whose strides channels-last leaves free. */
export function tinyConvNet(seed = 0): Sequential {
  torch.manualSeed(seed);
  return new Sequential(
    new Conv2d(3, 6, 3, { padding: 1 }),
    new ReLU(),
    new Conv2d(6, 6, 1),
    new ReLU(),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(6, 3),
  );
}

/** How a training run lays out its weights and inputs and computes its forward. */
export interface TrainVariant {
  channelsLast: boolean;
  bf16: boolean;
}

/** The worker's training modes: fp32 contiguous, fp32 channels-last, and the Trainer's default on CPU (bf16 autocast, channels-last). */
export const trainVariants: Record<'train' | 'train-channels-last' | 'train-bf16', TrainVariant> = {
  train: { channelsLast: false, bf16: false },
  'train-channels-last': { channelsLast: true, bf16: false },
  'train-bf16': { channelsLast: true, bf16: true },
};

/** `tinyConvNet(seed)` in the variant's memory format, as the Trainer converts a module before DDP sets it up. */
export function trainModel(seed: number, variant: TrainVariant): Sequential {
  const model = tinyConvNet(seed);
  if (variant.channelsLast) model.to({ memoryFormat: 'channelsLast' });
  return model;
}

/** The cross-entropy of `model` on (x, y): channels-last input and bf16 autocast as the variant asks. */
export function stepLoss(model: Sequential, x: Tensor, y: Tensor, variant: TrainVariant): Tensor {
  const input = variant.channelsLast ? x.contiguous('channelsLast') : x;
  const loss = () => torch.crossEntropy(model.forward(input), y);
  return variant.bf16 ? torch.autocast(loss, { dtype: 'bfloat16' }) : loss();
}

/** Step `step`'s whole batch of `size` images (8x8) and labels; the same on every process. */
export function stepBatch(step: number, size: number): { x: Tensor; y: Tensor } {
  torch.manualSeed(1000 + step);
  return { x: torch.randn([size, 3, 8, 8]), y: torch.randint(0, 3, [size]) };
}

/** The worker's launch command: node with tsx, this folder's worker, a mode and an output folder. */
export function workerArgs(mode: string, outDir: string): string[] {
  const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ddp-worker.ts');
  return ['--import', 'tsx', worker, mode, outDir];
}
