/**
 * Shared by the Trainer's integration tests: a tiny image folder of three
 * colour classes (with noise, so the task is learnable but not trivial), a
 * data module over it and a tiny CNN module, all seconds to train.
 *
 * @example
 * const root = await makeColourFolder();
 * const dm = colourDataModule(root); const module = tinyCnn();
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImageClassificationDataModule } from '../../src/data/datamodule.js';
import type { DataModuleInput } from '../../src/data/datamodule-options.js';
import { ClassificationModule } from '../../src/models/classification-module.js';
import type { ClassificationOptionsInput } from '../../src/models/classification-options.js';
import * as torch from '../../src/torch/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/torch/nn/index.js';

const colours: Record<string, [number, number, number]> = { red: [200, 40, 40], green: [40, 200, 40], blue: [40, 40, 200] };

/** Writes train/<class>/<i>.png (perClass per class, 12x12, noisy) and test/; returns the root. */
export async function makeColourFolder(perClass = 8): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'ct-trainer-'));
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 120;
  for (const split of ['train', 'test']) {
    for (const [name, rgb] of Object.entries(colours)) {
      await mkdir(path.join(root, split, name), { recursive: true });
      const count = split === 'train' ? perClass : 2;
      for (let i = 0; i < count; i++) {
        const pixels = Buffer.alloc(12 * 12 * 3);
        for (let p = 0; p < pixels.length; p++) pixels[p] = Math.max(0, Math.min(255, Math.round(rgb[p % 3] + noise())));
        await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
          .png()
          .toFile(path.join(root, split, name, `${i}.png`));
      }
    }
  }
  return root;
}

/** A data module over `root` with small transforms (a random crop and flip, so augmentation matters). */
export function colourDataModule(root: string, extra: DataModuleInput = {}): ImageClassificationDataModule {
  return new ImageClassificationDataModule(
    {
      root,
      batchSize: 4,
      valFraction: 0.25,
      trainTransforms: [
        { name: 'RandomCrop', size: 10 },
        { name: 'RandomHorizontalFlip' },
        { name: 'Normalize', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      ],
      evalTransforms: [
        { name: 'CenterCrop', size: 10 },
        { name: 'Normalize', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      ],
      ...extra,
    },
    { onWarning: () => undefined },
  );
}

/** A tiny CNN (conv, BN, relu, pool, linear) in a ClassificationModule; its head has `numClasses` outputs (default 3). */
export function tinyCnn(options: Partial<ClassificationOptionsInput> = {}, seed = 0): ClassificationModule {
  torch.manualSeed(seed);
  const numClasses = options.numClasses ?? 3;
  const backbone = new Sequential(
    new Conv2d(3, 6, 3, { padding: 1 }),
    new BatchNorm2d(6),
    new ReLU(),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(6, numClasses),
  );
  return new ClassificationModule(backbone, {
    numClasses,
    classNames: ['blue', 'green', 'red'],
    optimizer: { lr: 0.05 },
    scheduler: { warmupEpochs: 1, interval: 'step' },
    ...options,
  });
}
