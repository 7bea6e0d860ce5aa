import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { classCounts, classWeights, countsBySplit, imageSizeHistogram } from './class-stats.js';
import { PathListDataset } from './dataset.js';
import { makeTempDir, writeSolidImage, writeText } from './test-images.test-helper.js';

void test('classWeights are inverse frequencies that sum to the number of classes', () => {
  const counts = classCounts({ classes: ['a', 'b', 'c'], targets: Int32Array.from([0, 0, 0, 1, 2, 2, -1]) });
  assert.deepEqual(counts, [3, 1, 2]);
  const w = classWeights(counts);
  // 1/3, 1, 1/2 scaled by 3 / (11/6): sklearn's compute_class_weight('balanced') up to a constant.
  const expected = [1 / 3, 1, 1 / 2].map((v) => (v * 3) / (1 / 3 + 1 + 1 / 2));
  w.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12));
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 3) < 1e-12);
  assert.deepEqual(classWeights([5, 5]), [1, 1]);
  assert.deepEqual(classWeights([4, 0]), [2, 0]);
  assert.deepEqual(countsBySplit({ train: { classes: ['a', 'b'], targets: Int32Array.from([1, 1]) } }), { train: { a: 0, b: 2 } });
});

void test('imageSizeHistogram reads sizes from headers', async (t) => {
  const dir = await makeTempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const a = await writeSolidImage(path.join(dir, 'a.png'), { color: [0, 0, 0], width: 5, height: 3 });
  const b = await writeSolidImage(path.join(dir, 'b.jpg'), { color: [0, 0, 0], width: 5, height: 3 });
  const c = await writeSolidImage(path.join(dir, 'c.png'), { color: [0, 0, 0], width: 2, height: 7 });
  const bad = await writeText(path.join(dir, 'bad.png'), 'nope');
  const hist = await imageSizeHistogram(new PathListDataset([a, b, c, bad]));
  assert.deepEqual(
    [...hist],
    [
      ['5x3', 2],
      ['2x7', 1],
      ['unreadable', 1],
    ],
  );
});
