import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetric, reportHtml } from './report-html.js';

test('formatMetric: six significant digits, integers and tiny values readable', () => {
  assert.equal(formatMetric(0.123456789), '0.123457');
  assert.equal(formatMetric(12), '12');
  assert.equal(formatMetric(0.5), '0.5');
  assert.equal(formatMetric(3.2e-5), '3.20000e-5');
  assert.equal(formatMetric(Number.NaN), 'NaN');
});

test('reportHtml escapes names and values, keeps exact values, and forbids network loads', () => {
  const html = reportHtml({
    title: 'run <1>',
    status: 'finished',
    metrics: { 'val/loss': 0.25, 'val/acc_class/a&b': 1 },
    history: [{ epoch: 0, step: 3, metrics: { 'val/loss': 0.25 } }],
    config: { hparams: { note: '</pre><script>' } },
    images: [{ title: 'x', png: Buffer.from([1, 2, 3]) }],
  });
  assert.match(html, /<title>run &#60;1&#62;<\/title>/);
  assert.match(html, /<table id="metrics">.*data-metric="val\/loss" data-value="0.25">0.25<\/td>/s);
  assert.match(html, /<table id="per-class">.*val\/acc_class\/a&#38;b/s);
  assert.match(html, /<tr data-epoch="0"><td>0<\/td><td>3<\/td>/);
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /src="data:image\/png;base64,AQID"/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data: 'self';/);
});
