import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';
import { makeTempDir, writeText } from '../test-images.test-helper.js';
import { encodeIdx, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, IdxDataset, parseIdx } from './idx-dataset.js';

void test('IdxDataset reads plain and gzipped IDX files as one-channel RawImages', async (t) => {
  const dir = await makeTempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => i * 10);
  // Header bytes written by hand, as the MNIST page specifies them.
  const images = Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4]), pixels]);
  assert.deepEqual(encodeIdx([3, 2, 4], pixels), images);
  await writeText(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
  await writeText(path.join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1]));
  const ds = await IdxDataset.load({ dir, split: 'train' });
  assert.equal(ds.length, 3);
  assert.deepEqual(ds.classes, ['0', '1', '2']);
  assert.deepEqual([...ds.targets], [2, 0, 1]);
  const second = ds.source(1);
  assert.deepEqual({ width: second.width, height: second.height, channels: second.channels }, { width: 4, height: 2, channels: 1 });
  assert.deepEqual([...second.data], [80, 90, 100, 110, 120, 130, 140, 150]);
  second.data[0] = 0; // a copy: the data set is untouched
  assert.equal(ds.source(1).data[0], 80);
  await assert.rejects(IdxDataset.load({ dir, split: 'test' }), /t10k-images-idx3-ubyte/);
});

void test('parseIdx validates magic, type, dims and length', () => {
  assert.throws(
    () => parseIdx(Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 5])),
    (e: unknown) => e instanceof DataError && /magic/.test(e.message),
  );
  assert.throws(() => parseIdx(Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5])), /type 0x08.*0x0d/);
  assert.throws(() => parseIdx(Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 5, 6])), /expected 3 bytes.*got 2/);
  assert.throws(() => parseIdx(Buffer.from([0, 0, 8, 2, 0, 0])), /header/);
  assert.throws(() => parseIdx(Buffer.from([0x1f, 0x8b, 1, 2, 3])), /gzip/);
  assert.throws(
    () => new IdxDataset({ images: { dims: [2, 1, 1], data: Buffer.from([1, 2]) }, labels: { dims: [3], data: Buffer.from([0, 1, 1]) } }),
    /2 labels/,
  );
});

void test(
  'the real Fashion-MNIST test split header, when installed',
  { skip: !existsSync(FASHION_MNIST_DIR) && 'dataset-fashion-mnist is not installed' },
  async () => {
    const file = path.join(FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz');
    const handle = await open(file);
    const bytes = await handle.readFile();
    await handle.close();
    const raw = gunzipSync(bytes);
    assert.equal(raw.readUInt32BE(0), 0x801);
    const ds = await IdxDataset.load({ dir: FASHION_MNIST_DIR, split: 'test' });
    assert.equal(ds.length, 10000);
    assert.equal(ds.height, 28);
    assert.equal(ds.width, 28);
    assert.deepEqual(ds.classes, FASHION_MNIST_CLASSES);
    // torchvision's FashionMNIST(train=False).targets[:5] is [9, 2, 1, 1, 6].
    assert.deepEqual([...ds.targets.subarray(0, 5)], [9, 2, 1, 1, 6]);
  },
);
