/**
 * Shared by the SyncBatchNorm test and its worker: a tiny ResNet (torchvision's
 * BasicBlock, with BatchNorm after every convolution and in the downsample
 * path), the PyTorch fixture file, and the worker's launch command.
 *
 * @example
 * const model = tinyResNet(0); const { x, y } = stepBatch(0, 8);
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicBlock, conv1x1, conv3x3 } from '../../src/models/resnet-blocks.js';
import * as torch from '../../src/torch/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Flatten, Linear, ReLU, Sequential } from '../../src/torch/nn/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** PyTorch's BatchNorm2d over the whole batch (scripts/fixtures/sync_batch_norm.py). */
export const fixtureFile = path.join(here, '..', 'fixtures', 'sync-batch-norm', 'batch-norm.safetensors');

/** The same weights on every call with the same seed. */
export function tinyResNet(seed = 0): Sequential {
  torch.manualSeed(seed);
  return new Sequential(
    conv3x3(3, 8),
    new BatchNorm2d(8),
    new ReLU(),
    new BasicBlock({ inplanes: 8, planes: 8 }),
    new BasicBlock({ inplanes: 8, planes: 16, stride: 2, downsample: new Sequential(conv1x1(8, 16, 2), new BatchNorm2d(16)) }),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(16, 3),
  );
}

/** SGD's settings for both sides of the ResNet comparison. */
export const sgdOptions = { lr: 0.1, momentum: 0.9 };

/** The worker's launch command: node with tsx, the worker and an output folder. */
export function syncWorkerArgs(outDir: string): string[] {
  return ['--import', 'tsx', path.join(here, 'sync-batch-norm-worker.ts'), outDir];
}
