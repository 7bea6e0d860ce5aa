// The plot callbacks on a multi-label module: precision-recall curves and the AP table are written;
// the confusion matrix and the sample grid, single-label plots, are skipped with one log line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import { Linear, Sequential } from '../../torch/nn/index.js';
import { MultiLabelModule } from '../../models/multilabel-module.js';
import { averagePrecision } from '../../metrics/multilabel-ranking.js';
import { parseCsv } from '../loggers/csv.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import { fakeTrainer } from './fake-trainer.test-helper.js';
import { PrecisionRecallCurves } from './precision-recall-curves.js';
import { SampleVisualization } from './sample-visualization.js';

const NAMES = ['cat', 'dog', 'bird'];

void test('multi-label plots: pr_curves.png and the AP table; no confusion matrix or sample grid, each said once', async (t) => {
  const runDir = await mkdtemp(join(tmpdir(), 'ml-plots-'));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  torch.manualSeed(4);
  const module = new MultiLabelModule(new Sequential(new Linear(4, 3)), { numClasses: 3, classNames: NAMES });
  const trainer = fakeTrainer({ runDir });
  const samples = new SampleVisualization();
  const images = torch.randn([12, 4]);
  const labels = torch.tensor(
    [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0],
    {
      shape: [12, 3],
    },
  );
  const { logits } = torch.noGrad(() => module.validationStep({ images, labels }, 0));
  samples.onValidationBatchEnd(trainer, module, { batch: { images, labels }, batchIdx: 0, logits });
  module.onValidationEpochEnd();
  for (const entry of module.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();

  await new PrecisionRecallCurves().onValidationEnd(trainer, module);
  const confusion = new ConfusionMatrix();
  await confusion.onValidationEnd(trainer, module);
  await confusion.onValidationEnd(trainer, module);
  await samples.onValidationEnd(trainer, module);

  assert.ok(existsSync(join(runDir, 'plots', 'pr_curves.png')));
  const table = parseCsv(await readFile(join(runDir, 'plots', 'ap_per_class.csv'), 'utf8'));
  const probs = Array.from(torch.noGrad(() => torch.tidy(() => logits.sigmoid().data() as Float32Array)));
  const truth = Array.from(labels.data() as Float32Array);
  const column = (xs: number[], j: number): number[] => xs.filter((_, i) => i % 3 === j);
  assert.deepEqual(table[0], ['label', 'ap', 'positives']);
  NAMES.forEach((name, j) => {
    assert.equal(table[j + 1][0], name);
    assert.ok(Math.abs(Number(table[j + 1][1]) - averagePrecision(column(probs, j), column(truth, j))) < 1e-12);
    assert.equal(
      Number(table[j + 1][2]),
      column(truth, j).reduce((a, b) => a + b, 0),
    );
  });
  assert.ok(!existsSync(join(runDir, 'plots', 'confusion_matrix.png')));
  assert.ok(!existsSync(join(runDir, 'plots', 'samples.png')));
  assert.deepEqual(
    trainer.printed.filter((m) => /multi-label run/.test(m)),
    [
      'sample_visualization: a multi-label run: no sample grid',
      'confusion_matrix: a multi-label run: no confusion matrix (see plots/pr_curves.png)',
    ],
  );
  torch.dispose([images, labels, logits]);
  module.dispose();
});
