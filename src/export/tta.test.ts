import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import { Conv2d, Linear, Module } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { parseTta, ttaProbs, ttaViews } from './tta.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/temperature');

/** A model that is not mirror-symmetric, so a flipped view gives other logits. */
class Tiny extends Module {
  readonly conv = new Conv2d(3, 4, 3, { padding: 1 });
  readonly fc = new Linear(4 * 6 * 6, 5);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.conv.forward(x).relu().flatten(1));
  }
}

function softmaxRows(values: Float32Array, c: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < values.length / c; i++) {
    const row = Array.from(values.subarray(i * c, (i + 1) * c));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    rows.push(e.map((v) => v / s));
  }
  return rows;
}

/** The horizontal mirror of NCHW pixels, index by index. */
function mirror(pixels: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < n * c * h; i++) for (let x = 0; x < w; x++) out[i * w + x] = pixels[i * w + (w - 1 - x)];
  return out;
}

void test('flip TTA equals the mean of the softmaxes of the image and its mirror, computed by hand', () => {
  torch.manualSeed(1);
  const model = new Tiny();
  torch.tidy(() =>
    torch.noGrad(() => {
      const shape = [3, 3, 6, 6];
      const images = torch.randn(shape);
      const pixels = images.data() as Float32Array;
      const plain = softmaxRows(model.forward(images).data() as Float32Array, 5);
      const flipped = softmaxRows(model.forward(torch.tensor(mirror(pixels, shape), { shape })).data() as Float32Array, 5);
      const got = ttaProbs((x) => model.forward(x), images, parseTta('flip')).data() as Float32Array;
      let maxDiff = 0;
      let viewsDiffer = 0;
      plain.forEach((row, i) =>
        row.forEach((p, j) => {
          maxDiff = Math.max(maxDiff, Math.abs(got[i * 5 + j] - (p + flipped[i][j]) / 2));
          viewsDiffer = Math.max(viewsDiffer, Math.abs(p - flipped[i][j]));
        }),
      );
      assert.ok(maxDiff < 1e-6, `TTA vs hand: ${maxDiff}`);
      assert.ok(viewsDiffer > 1e-3, 'the mirrored view changes the answer (the test would not see a missing flip otherwise)');
    }),
  );
  model.dispose();
});

void test("crops: the plain batch and torchvision's five crops of the enlarged batch (PyTorch fixture)", () => {
  const record = torch.load(path.join(fixtures, 'tta-views.safetensors'));
  torch.tidy(() => {
    const views = ttaViews(record.images, parseTta('crops'));
    assert.equal(views.length, 6);
    views.forEach((view, k) => {
      const expected = record.views.select(0, k);
      assert.deepEqual(view.shape, expected.shape);
      const diff = view.sub(expected).abs().max().item();
      assert.ok(diff < 1e-5, `view ${k}: max |diff| ${diff}`);
    });
    const both = ttaViews(record.images, parseTta('crops,flip'));
    assert.equal(both.length, 12);
    assert.equal(
      both[3]
        .sub(views[1].flip([3]))
        .abs()
        .max()
        .item(),
      0,
    );
  });
  torch.dispose(Object.values(record));
});

void test('parseTta: the view counts, and an unknown view name is a ConfigError listing the choices', () => {
  assert.deepEqual(parseTta('flip'), { flip: true, crops: false, label: 'flip', views: 2 });
  assert.deepEqual(parseTta('crops, flip'), { flip: true, crops: true, label: 'flip,crops', views: 12 });
  assert.throws(
    () => parseTta('flip,rotate', 'validate'),
    (e: unknown) => e instanceof ConfigError && /validate: expected --tta views among flip, crops .*but got 'rotate'/.test(e.message),
  );
});

void test('ttaProbs is deterministic and leaves no tensor behind', () => {
  torch.manualSeed(2);
  const model = new Tiny();
  const images = torch.randn([2, 3, 6, 6]);
  const run = (): number[] =>
    Array.from(
      torch.noGrad(() => torch.tidy(() => ttaProbs((x) => model.forward(x), images, parseTta('flip,crops')).data())) as Float32Array,
    );
  const first = run();
  const live = torch.memory().liveTensors;
  assert.deepEqual(run(), first);
  assert.equal(torch.memory().liveTensors, live);
  images.dispose();
  model.dispose();
});
