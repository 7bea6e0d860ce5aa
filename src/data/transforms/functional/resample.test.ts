import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../random.js';
import { hflip } from './geometry.js';
import { resamplePil } from './resample.js';
import { referenceImage } from './reference.test-helper.js';

const img = referenceImage('img');

void test('resamplePil gives PIL BILINEAR bytes exactly (shrink, and grow on one axis)', () => {
  for (const [name, height, width] of [
    ['resize_12_pil', 12, 14],
    ['resize_9x30_pil', 9, 30],
  ] as const) {
    const expected = referenceImage(name);
    assert.deepEqual(resamplePil(img, { height, width }).data, expected.data, name);
    assert.deepEqual(resamplePil(img, { height, width }, { mirror: true }).data, hflip(expected).data, `${name} mirrored`);
  }
});

void test('mirror equals hflip after the resize for grey and RGB, growing and shrinking', () => {
  const rng = new Rng(9);
  for (let trial = 0; trial < 20; trial++) {
    const channels = trial % 3 === 0 ? 1 : 3;
    const width = rng.int(2, 40);
    const height = rng.int(2, 40);
    const image = {
      data: Buffer.from(Array.from({ length: width * height * channels }, () => rng.int(0, 256))),
      width,
      height,
      channels,
    } as const;
    const size = { width: rng.int(1, 60), height: rng.int(1, 60) };
    const plain = resamplePil(image, size);
    assert.deepEqual([plain.width, plain.height, plain.channels], [size.width, size.height, channels]);
    assert.deepEqual(resamplePil(image, size, { mirror: true }).data, hflip(plain).data);
  }
  const same = { data: Buffer.from([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 } as const;
  assert.deepEqual([...resamplePil(same, { width: 2, height: 1 }, { mirror: true }).data], [4, 5, 6, 1, 2, 3]);
});
