import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../errors.js';
import { encodeIdx, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, IdxDataset, parseIdx } from './idx-dataset.js';
import { MosaicDataset, mosaicCells } from './mosaic-dataset.js';

interface Golden {
  seed: number;
  train: { index: number; cells: number[]; labels: number[]; sum: number; weighted: number }[];
  test: Golden['train'];
}
// Written by scripts/fixtures/fmnist_mosaic.py: the documented rule restated in Python over the same IDX bytes.
const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../test/fixtures/fmnist-mosaic/golden.json', import.meta.url)), 'utf8'),
) as Golden;

const checksums = (data: Buffer): { sum: number; weighted: number } => {
  let sum = 0;
  let weighted = 0;
  data.forEach((v, p) => {
    sum += v;
    weighted += v * (p + 1);
  });
  return { sum, weighted };
};

void test(
  'Fashion-MNIST mosaics match the Python restatement of the rule: cells, label sets and pixel checksums',
  { skip: !existsSync(FASHION_MNIST_DIR) && 'dataset-fashion-mnist is not installed' },
  async () => {
    for (const split of ['train', 'test'] as const) {
      const ds = await MosaicDataset.load({ dir: FASHION_MNIST_DIR, split });
      assert.equal(ds.length, split === 'train' ? 60000 : 10000);
      assert.deepEqual(ds.classes, FASHION_MNIST_CLASSES);
      for (const g of golden[split]) {
        assert.deepEqual(ds.cells(g.index), g.cells, `${split} #${g.index} cells`);
        assert.deepEqual(ds.labelSets[g.index], g.labels, `${split} #${g.index} labels`);
        const image = ds.source(g.index);
        assert.deepEqual([image.width, image.height, image.channels], [56, 56, 1]);
        assert.deepEqual(checksums(image.data), { sum: g.sum, weighted: g.weighted }, `${split} #${g.index} pixels`);
        // The same index gives the same pixels again (a fresh buffer each time: transforms may write into it).
        const again = ds.source(g.index);
        assert.notEqual(again.data, image.data);
        assert.deepEqual(again.data, image.data);
      }
    }
  },
);

void test('a mosaic holds 1 to 4 items, its own base image always, and depends on the seed', () => {
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < 2000; i++) {
    const cells = mosaicCells(0, i, 2000);
    assert.ok(cells.includes(i), `mosaic ${i} holds base image ${i}`);
    counts[cells.filter((c) => c >= 0).length]++;
    assert.deepEqual(mosaicCells(0, i, 2000), cells);
  }
  assert.equal(counts[0], 0);
  for (let n = 1; n <= 4; n++) assert.ok(Math.abs(counts[n] / 2000 - 0.25) < 0.04, `${n} items: ${counts[n]}`);
  let differ = 0;
  for (let i = 0; i < 100; i++) if (JSON.stringify(mosaicCells(1, i, 2000)) !== JSON.stringify(mosaicCells(0, i, 2000))) differ++;
  assert.ok(differ > 90, `${differ} of 100 differ with another seed`);
});

void test('MosaicDataset places each base image in its cell, leaves empty cells black and labels with the set of classes', () => {
  // Four 2x2 base images, image k filled with k + 1, classes 0, 1, 1, 2.
  const images = parseIdx(
    encodeIdx(
      [4, 2, 2],
      Uint8Array.from({ length: 16 }, (_, i) => Math.floor(i / 4) + 1),
    ),
  );
  const labels = parseIdx(encodeIdx([4], Uint8Array.of(0, 1, 1, 2)));
  const ds = new MosaicDataset(new IdxDataset({ images, labels, classes: ['a', 'b', 'c'] }), { seed: 7 });
  for (let i = 0; i < 4; i++) {
    const cells = ds.cells(i);
    const { data } = ds.source(i);
    cells.forEach((item, cell) => {
      const [top, left] = [(cell >> 1) * 2, (cell & 1) * 2];
      for (const [y, x] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        assert.equal(data[(top + y) * 4 + left + x], item < 0 ? 0 : item + 1);
    });
    const expected = [...new Set(cells.filter((c) => c >= 0).map((c) => [0, 1, 1, 2][c]))].sort();
    assert.deepEqual(ds.labelSets[i], expected);
    assert.equal(ds.targets[i], expected[0]);
  }
  assert.throws(() => ds.source(4), DataError);
});
