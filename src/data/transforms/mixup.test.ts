import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../torch/index.js';
import { Rng } from '../random.js';
import { MixUp } from './mixup.js';
import { CutMix } from './cutmix.js';

// Batch of 3 images [3, 1, 4, 5]: image b is filled with b + 1; labels 2, 0, 1 of 3 classes.
const makeBatch = () => ({
  images: torch.tensor(
    Float32Array.from({ length: 60 }, (_, i) => Math.floor(i / 20) + 1),
    { shape: [3, 1, 4, 5] },
  ),
  labels: torch.tensor(new BigInt64Array([2n, 0n, 1n])),
});

void test('MixUp blends each image and target with the previous one in the batch (roll by one)', () => {
  torch.tidy(() => {
    const { images, labels, lambda } = new MixUp({ alpha: 0.4, numClasses: 3 }).apply(makeBatch(), new Rng(3));
    assert.ok(lambda > 0 && lambda < 1);
    const x = images.data() as Float32Array;
    // image 0 mixes with image 2 (rolled), image 1 with image 0
    assert.ok(Math.abs(x[0] - (lambda * 1 + (1 - lambda) * 3)) < 1e-5);
    assert.ok(Math.abs(x[20] - (lambda * 2 + (1 - lambda) * 1)) < 1e-5);
    assert.deepEqual(labels.shape, [3, 3]);
    assert.equal(labels.dtype, 'float32');
    const y = labels.toArray() as number[][];
    // sample 0: own class 2 with λ, sample 2's class 1 with 1-λ
    assert.ok(Math.abs(y[0][2] - lambda) < 1e-6 && Math.abs(y[0][1] - (1 - lambda)) < 1e-6 && y[0][0] === 0);
  });
});

void test('CutMix pastes the rolled batch in one box and uses the area-corrected lambda', () => {
  torch.tidy(() => {
    const before = torch.memory().liveTensors;
    const batch = makeBatch();
    for (let seed = 0; seed < 5; seed++) {
      const { images, labels, lambda, box } = new CutMix({ alpha: 1, numClasses: 3 }).apply(batch, new Rng(seed));
      assert.ok(Math.abs(lambda - (1 - (box.width * box.height) / 20)) < 1e-12);
      const x = images.data() as Float32Array;
      for (let y = 0; y < 4; y++)
        for (let xx = 0; xx < 5; xx++) {
          const inside = y >= box.top && y < box.top + box.height && xx >= box.left && xx < box.left + box.width;
          assert.equal(x[20 + y * 5 + xx], inside ? 1 : 2, `seed ${seed} (${y}, ${xx})`);
        }
      const t = labels.toArray() as number[][];
      // sample 1 (class 0) takes the box from sample 0 (class 2)
      assert.ok(Math.abs(t[1][0] - lambda) < 1e-6 && Math.abs(t[1][2] - (1 - lambda)) < 1e-6, `seed ${seed}`);
      assert.ok(Math.abs(t[1].reduce((a, b) => a + b, 0) - 1) < 1e-6);
      images.dispose();
      labels.dispose();
    }
    torch.dispose(batch);
    assert.equal(torch.memory().liveTensors, before);
  });
});

void test('MixUp and CutMix blend multi-hot targets as they are, leaving values in [0, 1]', () => {
  torch.tidy(() => {
    const multiHot = [
      [1, 0, 1],
      [0, 0, 0],
      [1, 1, 0],
    ];
    const batch = { images: makeBatch().images, labels: torch.tensor(Float32Array.from(multiHot.flat()), { shape: [3, 3] }) };
    for (const mix of [new MixUp({ alpha: 0.4, numClasses: 3 }), new CutMix({ alpha: 1, numClasses: 3 })]) {
      for (let seed = 0; seed < 3; seed++) {
        const { labels, lambda } = mix.apply(batch, new Rng(seed));
        const y = labels.toArray() as number[][];
        for (let i = 0; i < 3; i++)
          for (let c = 0; c < 3; c++) {
            const want = lambda * multiHot[i][c] + (1 - lambda) * multiHot[(i + 2) % 3][c];
            assert.ok(Math.abs(y[i][c] - want) < 1e-6, `${mix.name} seed ${seed} (${i}, ${c}): ${y[i][c]} vs ${want}`);
            assert.ok(y[i][c] >= 0 && y[i][c] <= 1);
          }
      }
    }
  });
});
