import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { parseCsv } from '../training/loggers/csv.js';
import { analyzeMultilabel, labelTable, multilabelTopLosses } from './multilabel-analysis.js';
import { MultilabelCollector } from './multilabel-predictions.js';
import type { MultilabelPredictions } from './multilabel-predictions.js';
import { runMultilabelAnalysis } from './run-multilabel-analysis.js';

/** Predictions and scikit-learn's per-label numbers (scripts/fixtures/multilabel_metrics.py). */
const metrics = JSON.parse(readFileSync(new URL('../../test/fixtures/multilabel/metrics.json', import.meta.url), 'utf8')) as {
  numClasses: number;
  cases: { name: string; scores: number[][]; target: number[][]; thresholds: number[]; expected: Record<string, number[]> }[];
};
/** Logits [6, 4], multi-hot targets and PyTorch's element-wise BCE (scripts/fixtures/multilabel_losses.py). */
const losses = JSON.parse(readFileSync(new URL('../../test/fixtures/multilabel/losses.json', import.meta.url), 'utf8')) as Record<
  string,
  number[]
>;
const named = { describe: (i: number) => `sample-${i}` } as unknown as ImageDataset;

function predictionsOf(c: (typeof metrics.cases)[number]): MultilabelPredictions {
  const n = c.scores.length;
  return {
    probs: Float32Array.from(c.scores.flat()),
    targets: Uint8Array.from(c.target.flat()),
    losses: new Float32Array(n),
    paths: Array.from({ length: n }, (_, i) => `sample-${i}`),
    indices: Int32Array.from({ length: n }, (_, i) => i),
    classNames: Array.from({ length: metrics.numClasses }, (_, j) => `label ${j}`),
    thresholds: c.thresholds,
  };
}

for (const c of metrics.cases) {
  void test(`the per-label table holds scikit-learn's AP, precision, recall and F1 at the thresholds (a label without positives included): ${c.name}`, () => {
    const rows = labelTable(predictionsOf(c));
    const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) < 1e-9, `${what}: ${got} vs ${want}`);
    rows.forEach((r, j) => {
      near(r.ap, c.expected['ap/none'][j], `AP of ${j}`);
      near(r.precision, c.expected['precision/none'][j], `precision of ${j}`);
      near(r.recall, c.expected['recall/none'][j], `recall of ${j}`);
      near(r.f1, c.expected['f1/none'][j], `F1 of ${j}`);
      assert.equal(
        r.support,
        c.target.reduce((a, row) => a + row[j], 0),
      );
      assert.equal(r.threshold, c.thresholds[j]);
    });
    assert.ok(
      rows.some((r) => r.support === 0),
      'the fixture has a label without positives',
    );
    const analysis = analyzeMultilabel(predictionsOf(c), { split: 'val', topK: 0 });
    near(analysis.mAP, c.expected['ap/macro'] as unknown as number, 'mAP');
  });
}

void test("the collector's per-sample loss is the row mean of PyTorch's BCE with logits; top losses rank by it with their label sets", () => {
  const [n, c] = losses.shape;
  const collector = new MultilabelCollector(c);
  collector.add(losses.logits.slice(0, 2 * c), losses.hard.slice(0, 2 * c), [0, 1]);
  collector.add(losses.logits.slice(2 * c), losses.hard.slice(2 * c), [2, 3, 4, 5]);
  const names = ['a', 'b', 'c', 'd'];
  const predictions = collector.finish(named, names, [0.5, 0.5, 0.9, 0.1]);
  const reference = Array.from({ length: n }, (_, i) => losses['bce.hard.none'].slice(i * c, (i + 1) * c).reduce((a, b) => a + b, 0) / c);
  predictions.losses.forEach((l, i) => assert.ok(Math.abs(l - reference[i]) < 1e-6, `row ${i}: ${l} vs ${reference[i]}`));

  const top = multilabelTopLosses(predictions, 3);
  const order = reference
    .map((l, i) => [l, i])
    .sort((x, y) => y[0] - x[0])
    .map(([, i]) => i);
  assert.deepEqual(
    top.map((t) => t.sample),
    order.slice(0, 3),
  );
  for (const t of top) {
    const row = (key: string) => losses[key].slice(t.sample * c, (t.sample + 1) * c);
    assert.deepEqual(
      t.trueLabels,
      names.filter((_, j) => row('hard')[j] === 1),
    );
    const threshold = [0.5, 0.5, 0.9, 0.1];
    assert.deepEqual(
      t.predicted,
      names.filter((_, j) => 1 / (1 + Math.exp(-row('logits')[j])) >= threshold[j]),
    );
    assert.equal(t.path, `sample-${t.sample}`);
  }
});

void test('runMultilabelAnalysis writes per_class.csv/.json, top_losses.csv and analysis.json, and a report section with the per-label table', async (t) => {
  const runDir = await mkdtemp(path.join(tmpdir(), 'ct-ml-analysis-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  const c = metrics.cases[1];
  const predictions = { ...predictionsOf(c), losses: Float32Array.from(c.scores, (_, i) => i % 7) };
  const analysis = await runMultilabelAnalysis(runDir, predictions, { split: 'test', topK: 4 });
  const csv = parseCsv(await readFile(path.join(runDir, 'analysis', 'per_class.csv'), 'utf8'));
  assert.deepEqual(csv[0], ['label', 'ap', 'precision', 'recall', 'f1', 'support', 'threshold']);
  assert.deepEqual(
    csv.slice(1).map((r) => Number(r[1])),
    analysis.perLabel.map((r) => r.ap),
  );
  const top = parseCsv(await readFile(path.join(runDir, 'analysis', 'top_losses.csv'), 'utf8'));
  assert.equal(top.length, 5);
  assert.deepEqual(
    top.slice(1).map((r) => Number(r[4])),
    [6, 6, 6, 6],
  );
  const summary = JSON.parse(await readFile(path.join(runDir, 'analysis', 'analysis.json'), 'utf8')) as { task: string; split: string };
  assert.deepEqual([summary.task, summary.split], ['multilabel', 'test']);
  const page = await readFile(path.join(runDir, 'report.html'), 'utf8');
  assert.match(page, /<h3>Per label<\/h3>/);
  assert.equal(page.match(/<tr><th scope="row">label \d<\/th>/g)?.length, metrics.numClasses);
  assert.equal(page.match(/<div class="top-loss"/g)?.length, 4);
  assert.match(page, /<li>likely label errors: confident learning assumes one given label per sample<\/li>/);
});
