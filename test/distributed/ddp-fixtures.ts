/**
 * Shared by the distributed tests and their worker: a tiny CNN without
 * BatchNorm (per-rank batch statistics differ from the 2B batch's; that needs
 * SyncBatchNorm), seeded data per step, one AdamW step, and the launcher's
 * command for the worker.
 *
 * @example
 * const model = tinyConvNet(); const { x, y } = stepBatch(0, 8);
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/torch/index.js';
import { AdaptiveAvgPool2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/torch/nn/index.js';
import type { Tensor } from '../../src/torch/index.js';

export const perRankBatch = 4;
export const steps = 4;

/** The same weights on every call (seeded). */
export function tinyConvNet(seed = 0): Sequential {
  torch.manualSeed(seed);
  return new Sequential(new Conv2d(3, 6, 3, { padding: 1 }), new ReLU(), new AdaptiveAvgPool2d([1, 1]), new Flatten(), new Linear(6, 3));
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
