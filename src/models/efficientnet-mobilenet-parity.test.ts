// EfficientNet and the MobileNets against torchvision 0.14 (reference files
// written at test time by scripts/fixtures/zoo_parity.py): for the smallest
// models, state-dict names and shapes, the seeded initial weights, eval
// logits with torchvision's weights, and for one model per family the
// train-mode logits (dropout and stochastic depth drawn after the same seed)
// and every gradient; the MobileNets' width, reduced-tail and dilated
// options by eval logits; for the larger models, names and shapes only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { efficientNetArchitectures, efficientnetB0, efficientnetV2S } from './efficientnet.js';
import { EfficientNet } from './efficientnet.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3.js';
import { checkParity, referenceShapes, torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';

const skip = torchvisionMissing;
const everyWeight = /\.(weight|bias)$/;

void test('EfficientNet-B0 and V2-S match torchvision: names, seeded init, eval logits; B0 train logits and gradients', { skip }, () => {
  torch.setNumThreads(1);
  const dir = torchvisionReference(['efficientnet_b0', 'efficientnet_v2_s'], { size: 64, batch: 4 });
  try {
    checkParity(() => efficientnetB0({ numClasses: 10 }), dir, 'efficientnet_b0', { init: everyWeight });
    checkParity(() => efficientnetV2S({ numClasses: 10 }), dir, 'efficientnet_v2_s', { init: everyWeight, train: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('MobileNetV2 and V3-Small match torchvision: names, seeded init, eval, train logits and gradients', { skip }, () => {
  torch.setNumThreads(1);
  const dir = torchvisionReference(['mobilenet_v2', 'mobilenet_v3_small'], { size: 64, batch: 4 });
  try {
    checkParity(() => mobilenetV2({ numClasses: 10 }), dir, 'mobilenet_v2', { init: everyWeight });
    checkParity(() => mobilenetV3Small({ numClasses: 10 }), dir, 'mobilenet_v3_small', { init: everyWeight });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("the MobileNets' options match torchvision: widthMult, reducedTail and dilated (eval logits)", { skip }, () => {
  torch.setNumThreads(1);
  const dir = torchvisionReference(
    ['mobilenet_v2:{"width_mult": 0.5}', 'mobilenet_v3_small:{"width_mult": 0.75, "reduced_tail": true, "dilated": true}'],
    {
      size: 64,
      batch: 4,
    },
  );
  try {
    checkParity(() => mobilenetV2({ numClasses: 10, widthMult: 0.5 }), dir, 'mobilenet_v2', { init: everyWeight, train: false });
    checkParity(() => mobilenetV3Small({ numClasses: 10, widthMult: 0.75, reducedTail: true, dilated: true }), dir, 'mobilenet_v3_small', {
      init: everyWeight,
      train: false,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('EfficientNet B1-B7, V2-M, V2-L and MobileNetV3-Large have torchvision state-dict names and shapes', { skip }, () => {
  const names = [
    ...Object.keys(efficientNetArchitectures).filter((n) => !['efficientnet_b0', 'efficientnet_v2_s'].includes(n)),
    'mobilenet_v3_large',
  ];
  const dir = torchvisionReference(names, { shapesOnly: true });
  try {
    for (const name of names) {
      const model =
        name === 'mobilenet_v3_large'
          ? mobilenetV3Large({ numClasses: 10 })
          : new EfficientNet(efficientNetArchitectures[name], { numClasses: 10 });
      const ours = torch.tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape])));
      model.dispose();
      assert.deepEqual(ours, referenceShapes(dir, name), name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
