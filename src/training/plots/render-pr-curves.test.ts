import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { precisionRecallCurve } from '../../metrics/multilabel-ranking.js';
import { precisionRecallSpec, renderPrecisionRecallCurves } from './render-pr-curves.js';

const scores = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) / 1000);
const target = scores.map((s, i) => (s + ((i * 31) % 17) / 40 > 0.6 ? 1 : 0));
const curves = [precisionRecallCurve(scores, target), precisionRecallCurve([0.2, 0.4], [0, 0])];

void test('the precision-recall spec names each label with its AP, thins long curves and leaves out labels without positives', () => {
  const spec = precisionRecallSpec(curves, [0.8123, 0], ['cat', 'dog'], { maxPoints: 50 }) as unknown as {
    data: { values: { label: string; recall: number }[] };
  };
  const points = spec.data.values;
  assert.ok(
    points.every((p) => p.label === 'cat (AP 0.812)'),
    'dog has no positives: no line',
  );
  assert.ok(points.length <= 51 && points.length >= 40, `${points.length} points`);
  assert.equal(points.at(-1)!.recall, 1, 'the last point (full recall) is kept');
});

void test('renderPrecisionRecallCurves draws a PNG of width x scale by height x scale', async () => {
  const png = await renderPrecisionRecallCurves(curves, [0.8, 0], ['cat', 'dog'], { width: 300, height: 200, scale: 1 });
  const { width, height, format } = await sharp(png).metadata();
  assert.deepEqual([format, width, height], ['png', 300, 200]);
});
