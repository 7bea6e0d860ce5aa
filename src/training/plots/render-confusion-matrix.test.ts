import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ShapeError } from '../../errors.js';
import { normalizeConfusion, renderConfusionMatrix } from './render-confusion-matrix.js';

test('normalizeConfusion divides by row, column or total sums as torchmetrics does (empty rows give 0)', () => {
  const m = [
    [3, 1, 0],
    [0, 0, 0],
    [1, 1, 2],
  ];
  assert.deepEqual(normalizeConfusion(m, 'true'), [
    [0.75, 0.25, 0],
    [0, 0, 0],
    [0.25, 0.25, 0.5],
  ]);
  assert.deepEqual(normalizeConfusion(m, 'pred'), [
    [0.75, 0.5, 0],
    [0, 0, 0],
    [0.25, 0.5, 1],
  ]);
  assert.deepEqual(normalizeConfusion(m, 'all')[0], [0.375, 0.125, 0]);
  assert.deepEqual(normalizeConfusion(m, 'none'), m);
});

test('renderConfusionMatrix: a square PNG that grows with the class count', async () => {
  const small = await sharp(
    await renderConfusionMatrix(
      [
        [1, 2],
        [3, 4],
      ],
      ['a', 'b'],
      { scale: 1 },
    ),
  ).metadata();
  assert.deepEqual([small.format, small.width, small.height], ['png', 360, 360]);
  const n = 12;
  const big = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 9 : 1)));
  const names = big.map((_, i) => `class ${i}`);
  const meta = await sharp(await renderConfusionMatrix(big, names, { normalize: 'true', scale: 1 })).metadata();
  assert.deepEqual([meta.width, meta.height], [44 * n + 180, 44 * n + 180]);
});

test('renderConfusionMatrix rejects a matrix that is not square or names that do not fit', async () => {
  await assert.rejects(renderConfusionMatrix([[1, 2]], ['a']), ShapeError);
  await assert.rejects(
    renderConfusionMatrix(
      [
        [1, 2],
        [3, 4],
      ],
      ['a'],
    ),
    /expected 2 class names \(one per row\), but got 1/,
  );
});
