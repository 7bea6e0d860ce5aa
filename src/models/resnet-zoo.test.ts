// The 101-layer ResNeXts and Wide ResNet against torchvision 0.14: all three by
// state-dict names and shapes, resnext101_64x4d also by seeded init and eval
// logits (32x32, batch 2: the smallest input that keeps its BatchNorms sane).
import { test } from 'node:test';
import { rmSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { resnext101_32x8d, resnext101_64x4d, wideResnet101_2 } from './resnet.js';
import { checkParity, torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';
import { checkShapes } from './zoo-shapes.test-helper.js';

torch.setNumThreads(1);
const skip = torchvisionMissing;

void test("resnext101_32x8d and wide_resnet101_2 have torchvision's state-dict names and shapes", { skip }, () => {
  checkShapes({
    resnext101_32x8d: () => resnext101_32x8d({ numClasses: 10 }),
    wide_resnet101_2: () => wideResnet101_2({ numClasses: 10 }),
  });
});

void test('resnext101_64x4d matches torchvision: names, shapes, seeded conv init, eval logits', { skip }, () => {
  const dir = torchvisionReference(['resnext101_64x4d'], { size: 32, batch: 2 });
  try {
    checkParity(() => resnext101_64x4d({ numClasses: 10 }), dir, 'resnext101_64x4d', {
      init: /(conv\d|downsample\.0)\.weight$/,
      train: false,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
