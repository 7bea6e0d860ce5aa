import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { EpochRecord } from '../trainer-view.js';
import { defaultCurveCharts, renderCurves } from './render-curves.js';

const history: EpochRecord[] = [0, 1, 2].map((epoch) => ({
  epoch,
  step: 7 * (epoch + 1),
  metrics: {
    'train/loss': 2 - epoch / 2,
    'val/loss': 2.1 - epoch / 3,
    'val/acc_top1': 0.3 + epoch / 10,
    'val/f1_macro': 0.2,
    'lr-AdamW': 1e-3 / 10 ** epoch,
  },
}));

test('renderCurves draws one PNG per chart that has data, at the requested size', async () => {
  const plots = await renderCurves(history, { width: 300, height: 200, scale: 1 });
  assert.deepEqual(
    plots.map((p) => p.name),
    ['loss', 'accuracy', 'lr'],
  );
  for (const { png } of plots) {
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 300, 200]);
  }
  assert.deepEqual(await renderCurves([]), []);
  assert.deepEqual(
    await renderCurves([{ epoch: 0, step: 1, metrics: { 'train/loss': Number.NaN } }]),
    [],
    'non-finite values are left out',
  );
});

test('the default charts pick the metrics by name', () => {
  const pick = (name: string): string[] => defaultCurveCharts.filter((c) => c.match(name)).map((c) => c.name);
  assert.deepEqual(pick('val/loss'), ['loss']);
  assert.deepEqual(pick('train/loss_step'), []);
  assert.deepEqual(pick('val/acc_top5'), ['accuracy']);
  assert.deepEqual(pick('val/acc_class/cat'), []);
  assert.deepEqual(pick('lr-SGD/pg1'), ['lr']);
  assert.deepEqual(pick('train/lr'), ['lr']);
  assert.deepEqual(pick('val/lrap'), []);
});
