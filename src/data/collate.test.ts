import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispose, memory, tidy } from '../torch/memory.js';
import { tensor } from '../torch/ops/creation.js';
import { collate, collateAsync } from './collate.js';
import type { RawImage } from './image.js';

/** Every byte value in every channel, in two images of 16x16 RGB. */
function allValues(): RawImage[] {
  return [0, 1].map((k) => ({
    data: Buffer.from(Array.from({ length: 768 }, (_, i) => (i * 7 + k * 101) & 255)),
    width: 16,
    height: 16,
    channels: 3 as const,
  }));
}

void test("collate's table gives libtorch's (x / 255 - mean) / std bits, planar and channels-last", () => {
  const images = allValues();
  const normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const before = memory().liveTensors;
  const expected = tidy(() => {
    const u8 = tensor(Buffer.concat(images.map((x) => x.data)), { shape: [2, 16, 16, 3] });
    const x = u8.permute([0, 3, 1, 2]).float().div_(255);
    x.sub_(tensor(Float32Array.from(normalize.mean), { shape: [1, 3, 1, 1] }));
    x.div_(tensor(Float32Array.from(normalize.std), { shape: [1, 3, 1, 1] }));
    return Array.from(x.contiguous().data() as Float32Array);
  });
  for (const channelsLast of [false, true]) {
    const batch = collate({ images, labels: [4, 2], normalize, channelsLast });
    assert.deepEqual(batch.images.shape, [2, 3, 16, 16]);
    assert.equal(batch.images.isContiguous(channelsLast ? 'channelsLast' : 'contiguous'), true);
    const got = tidy(() => Array.from(batch.images.contiguous().data() as Float32Array));
    assert.deepEqual(got, expected, `channelsLast ${channelsLast}`);
    assert.deepEqual(Array.from(batch.labels.data() as BigInt64Array), [4n, 2n]);
    dispose(batch);
  }
  assert.equal(memory().liveTensors, before);
});

void test('collate without normalization is ToTensor, and one mean/std value serves every channel', () => {
  const images = allValues();
  tidy(() => {
    const plain = collate({ images, labels: [0, 0] }).images.data() as Float32Array;
    assert.equal(plain[1], Math.fround(images[0].data[3] / 255));
    const one = collate({ images, labels: [0, 0], normalize: { mean: [0.5], std: [0.25] } }).images.data() as Float32Array;
    const f = Math.fround;
    assert.equal(one[256 + 2], f(f(f(images[0].data[2 * 3 + 1] / 255) - 0.5) / 0.25));
  });
});

void test('collate turns label sets into multi-hot float32 [B, C] rows, an empty set into zeros', async () => {
  const images = allValues();
  const before = memory().liveTensors;
  const batches = [
    collate({ images, labels: { sets: [[0, 2], []], numClasses: 3 } }),
    await collateAsync({ images, labels: { sets: [[1], [0, 1, 2]], numClasses: 3 } }),
  ];
  const expected = [
    [
      [1, 0, 1],
      [0, 0, 0],
    ],
    [
      [0, 1, 0],
      [1, 1, 1],
    ],
  ];
  batches.forEach((batch, k) => {
    assert.equal(batch.labels.dtype, 'float32');
    assert.deepEqual(batch.labels.toArray(), expected[k]);
    dispose(batch);
  });
  assert.throws(() => collate({ images, labels: { sets: [[3], []], numClasses: 3 } }), /class indices in \[0, 3\), but got 3 for sample 0/);
  assert.throws(() => collate({ images, labels: { sets: [[0]], numClasses: 3 } }), /expected 2 label sets, one per image, but got 1/);
  assert.equal(memory().liveTensors, before);
});
