// Parity with torchvision 0.14's Swin family. swin_t and swin_v2_t (reference
// files written at test time by scripts/fixtures/zoo_parity.py) match the
// seeded initial state, eval and train-mode logits and every gradient at
// 48x48: stage 1's 12x12 map is padded to the window (14 / 16) and runs
// shifted windows with the attention mask, stage 2 skips the shift (window ≥
// padded map), stage 3's 3x3 map merges with odd-size padding. The bigger
// models are checked by state-dict names and shapes against
// test/fixtures/models/swin-shapes.json (scripts/fixtures/swin_shapes.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { checkParity, torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';
import { swinFactories, swinT, swinV2T } from './swin.js';
import type { SwinTransformerBlock } from './swin-blocks.js';

torch.setNumThreads(1);

void test(
  'swin_t and swin_v2_t match torchvision at 48x48: seeded init, eval and train logits, gradients',
  { skip: torchvisionMissing },
  () => {
    const dir = torchvisionReference(['swin_t', 'swin_v2_t'], { size: 48, batch: 2 });
    try {
      checkParity(() => swinT({ numClasses: 10 }), dir, 'swin_t', { init: /./ });
      checkParity(() => swinV2T({ numClasses: 10 }), dir, 'swin_v2_t', { init: /./ });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test('swin_s, swin_b, swin_v2_s and swin_v2_b have torchvision state-dict names and shapes and stochastic depth rates', () => {
  const path = new URL('../../test/fixtures/models/swin-shapes.json', import.meta.url).pathname;
  const reference = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, number[]>>;
  // torchvision's stochastic_depth_prob per model (swin_t, swin_v2_t: 0.2, checked by their train-mode logits above).
  for (const [name, depthRate] of [
    ['swin_s', 0.3],
    ['swin_b', 0.5],
    ['swin_v2_s', 0.3],
    ['swin_v2_b', 0.5],
  ] as const) {
    const model = swinFactories[name]({ numClasses: 10 });
    const shapes = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]));
    const lastStage = [...model.features.children()].at(-1)!;
    const lastRate = ([...lastStage.children()].at(-1) as SwinTransformerBlock).stochastic_depth.p;
    model.dispose();
    assert.deepEqual(shapes, reference[name], name);
    assert.equal(lastRate, depthRate, `${name}: the last block's stochastic depth rate`);
  }
});
