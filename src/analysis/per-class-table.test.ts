import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricCases } from '../../test/fixtures/metrics/load-case.js';
import { MulticlassF1Score } from '../metrics/f1-score.js';
import { MulticlassPrecision } from '../metrics/precision.js';
import { MulticlassRecall } from '../metrics/recall.js';
import { MulticlassConfusionMatrix } from '../metrics/confusion-matrix.js';
import * as torch from '../torch/index.js';
import { analyzePredictions } from './analyze-predictions.js';
import { confusionCounts } from './confusion-counts.js';
import { perClassTable } from './per-class-table.js';

const near = (actual: readonly number[], values: ArrayLike<number | bigint>, label: string, tol = 1e-6): void => {
  const expected = Array.from(values, Number);
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${label}[${i}]: ${actual[i]} vs ${expected[i]} ([${actual.join(', ')}])`);
};

test('a hand-checked table: precision, recall, F1, support and the classes each is confused with', () => {
  // rows: true class; columns: predicted. 'c' is never predicted, 'd' has no samples.
  const counts = [
    [3, 1, 0, 0],
    [2, 2, 0, 1],
    [1, 2, 0, 0],
    [0, 0, 0, 0],
  ];
  const rows = perClassTable(counts, ['a', 'b', 'c', 'd']);
  assert.deepEqual(
    rows.map((r) => [r.name, r.support]),
    [
      ['a', 4],
      ['b', 5],
      ['c', 3],
      ['d', 0],
    ],
  );
  near([rows[0].precision, rows[0].recall, rows[0].f1], [3 / 6, 3 / 4, 6 / 10], 'a');
  near([rows[1].precision, rows[1].recall, rows[1].f1], [2 / 5, 2 / 5, 4 / 10], 'b');
  near([rows[2].precision, rows[2].recall, rows[2].f1], [0, 0, 0], 'c never predicted');
  near([rows[3].precision, rows[3].recall, rows[3].f1], [0, 0, 0], 'd without samples');
  assert.deepEqual(rows[1].confusedWith, [
    { name: 'a', count: 2, share: 0.4 },
    { name: 'd', count: 1, share: 0.2 },
  ]);
  assert.deepEqual(
    rows[2].confusedWith.map((c) => c.name),
    ['b', 'a'],
    'most frequent first',
  );
  assert.deepEqual(rows[0].confusedWith, [{ name: 'b', count: 1, share: 0.25 }]);
});

test("the table equals torchmetrics' per-class precision, recall, F1 and normalised confusion matrices (PyTorch fixtures)", () => {
  let checked = 0;
  for (const c of metricCases()) {
    // Class-index predictions and an ignore_index inside [0, C) are not what the analysis gets.
    if (c.preds.ndim !== 2 || (c.ignoreIndex !== null && c.ignoreIndex >= 0)) continue;
    const targets = Int32Array.from(c.target.data() as BigInt64Array, Number);
    const counts = confusionCounts(c.preds.data() as Float32Array, targets, c.numClasses);
    near(counts.flat(), c.expected['confmat/none'].data(), `${c.name} counts`);
    const rows = perClassTable(counts, Array.from({ length: c.numClasses }, String));
    for (const key of ['precision', 'recall', 'f1'] as const)
      near(
        rows.map((r) => r[key]),
        c.expected[`${key}/none/k1`].data(),
        `${c.name} ${key}`,
      );
    const valid = Array.from(targets).filter((t) => t >= 0 && t < c.numClasses);
    near(
      rows.map((r) => r.support),
      Array.from({ length: c.numClasses }, (_, k) => valid.filter((t) => t === k).length),
      `${c.name} support`,
    );
    const probs = c.preds.data() as Float32Array;
    const keep = Array.from(targets.keys()).filter((i) => targets[i] >= 0 && targets[i] < c.numClasses);
    const analysis = analyzePredictions(
      {
        probs: Float32Array.from(keep.flatMap((i) => Array.from(probs.subarray(i * c.numClasses, (i + 1) * c.numClasses)))),
        targets: Int32Array.from(keep, (i) => targets[i]),
        losses: new Float32Array(keep.length),
        paths: keep.map(String),
        indices: Int32Array.from(keep),
        classNames: rows.map((r) => r.name),
      },
      { split: 'val' },
    );
    near(analysis.confusion.byRow.flat(), c.expected['confmat/true'].data(), `${c.name} by row`, 1e-5);
    near(analysis.confusion.byColumn.flat(), c.expected['confmat/pred'].data(), `${c.name} by column`, 1e-5);
    checked++;
  }
  assert.ok(checked >= 6, `cases checked: ${checked}`);
});

test("the table equals the project's metrics (average 'none') on random predictions with an absent class", () => {
  torch.manualSeed(7);
  const [n, c] = [300, 6];
  torch.tidy(() => {
    const logits = torch.randn([n, c]);
    // Class 5 has no samples; class 4 is rarely predicted.
    const target = torch.randint(0, 5, [n]);
    const counts = confusionCounts(logits.softmax(1).data() as Float32Array, Int32Array.from(target.data() as BigInt64Array, Number), c);
    const rows = perClassTable(counts, ['a', 'b', 'c', 'd', 'e', 'f']);
    const metric = (m: { update(p: torch.Tensor, t: torch.Tensor): void; compute(): torch.Tensor }): number[] => {
      m.update(logits, target);
      return Array.from(m.compute().data() as Float32Array);
    };
    near(
      rows.map((r) => r.precision),
      metric(new MulticlassPrecision({ numClasses: c, average: 'none' })),
      'precision',
    );
    near(
      rows.map((r) => r.recall),
      metric(new MulticlassRecall({ numClasses: c, average: 'none' })),
      'recall',
    );
    near(
      rows.map((r) => r.f1),
      metric(new MulticlassF1Score({ numClasses: c, average: 'none' })),
      'f1',
    );
    const matrix = new MulticlassConfusionMatrix({ numClasses: c });
    matrix.update(logits, target);
    near(counts.flat(), Array.from(matrix.compute().data() as ArrayLike<number | bigint>, Number), 'confusion matrix');
  });
});
