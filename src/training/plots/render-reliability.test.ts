import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ShapeError } from '../../errors.js';
import { vegaLiteToSvg } from './render-vega-lite.js';
import { renderReliabilityDiagram, reliabilitySpec } from './render-reliability.js';

const bins = [
  { lower: 0, upper: 0.5, count: 0, accuracy: 0, confidence: 0 },
  { lower: 0.5, upper: 1, count: 4, accuracy: 0.5, confidence: 0.9 },
];

void test('reliabilitySpec draws the non-empty bins of every series, with its ECE in the legend', async () => {
  const spec = reliabilitySpec([
    { name: 'before', ece: 0.4, bins },
    { name: 'T = 2.00', ece: 0.05, bins },
  ]) as unknown as { layer: { data: { values: { series?: string; accuracy?: number }[] } }[] };
  const points = spec.layer[1].data.values;
  assert.deepEqual(
    points.map((p) => [p.series, p.accuracy]),
    [
      ['before (ECE 0.4000)', 0.5],
      ['T = 2.00 (ECE 0.0500)', 0.5],
    ],
  );
  const svg = await vegaLiteToSvg(reliabilitySpec([{ name: 'before', ece: 0.4, bins }]));
  assert.match(svg, /before \(ECE 0\.4000\)/);
});

void test('renderReliabilityDiagram: a PNG of the chart size; no series is an error', async () => {
  const meta = await sharp(await renderReliabilityDiagram([{ name: 'before', ece: 0.4, bins }], { scale: 1 })).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 420, 380]);
  assert.throws(() => reliabilitySpec([]), ShapeError);
});
