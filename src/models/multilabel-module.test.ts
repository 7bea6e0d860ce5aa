import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Flatten, Linear, Sequential } from '../torch/nn/index.js';
import { bestF1Threshold } from '../metrics/multilabel-ranking.js';
import './components.js';
import './multilabel-losses.js';
import { MultiLabelModule } from './multilabel-module.js';

const C = 3;
const backbone = (): Sequential => new Sequential(new Flatten(), new Linear(12, C));
const batch = (seed: number): { images: Tensor; labels: Tensor } => {
  torch.manualSeed(seed);
  return { images: torch.randn([16, 3, 2, 2]), labels: torch.rand([16, C]).lt(0.4).float() };
};

void test('MultiLabelModule: bce by default, logs val/mAP, F1, Hamming loss and per-class AP, and keeps no tensors', () => {
  const before = torch.memory().liveTensors;
  const module = new MultiLabelModule(backbone(), { numClasses: C, classNames: ['cat', 'dog', 'a/b'] });
  assert.equal(module.hparams.loss.name, 'bce');
  assert.equal(module.hparams.loss.labelSmoothing, 0);
  torch.tidy(() => {
    module.trainingStep(batch(1), 0).backward();
    torch.noGrad(() => module.validationStep(batch(2), 0));
  });
  const train = module.onTrainEpochEnd();
  const val = module.onValidationEpochEnd();
  assert.deepEqual(Object.keys(train).sort(), ['train/f1', 'train/loss']);
  for (const key of ['val/loss', 'val/mAP', 'val/mAP_micro', 'val/f1', 'val/hamming', 'val/exact_match', 'val/auroc', 'val/ap_class/a_b']) {
    assert.ok(Number.isFinite(val[key]), `${key}: ${val[key]}`);
  }
  assert.equal(module.labelCurves.val?.curves.length, C);
  for (const entry of module.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
  module.dispose();
  assert.equal(torch.memory().liveTensors, before);
});

void test("MultiLabelModule: thresholds 'tuned' sets each label's F1-optimal threshold at a fit's validation end, and it travels in the state dict", () => {
  const module = new MultiLabelModule(backbone(), { numClasses: C, thresholds: 'tuned' });
  const b = batch(3);
  torch.noGrad(() => torch.tidy(() => module.validationStep(b, 0)));
  module.onValidationEpochEnd(); // not fitting: nothing tuned
  assert.deepEqual(module.labelThresholds, [0.5, 0.5, 0.5]);
  module.onFitStart({ dataModule: null });
  torch.noGrad(() => torch.tidy(() => module.validationStep(b, 0)));
  const values = module.onValidationEpochEnd();
  const probs = torch.noGrad(() => torch.tidy(() => Array.from(module.forward(b.images).sigmoid().data() as Float32Array)));
  const target = Array.from(b.labels.data() as Float32Array);
  const expected = Array.from({ length: C }, (_, j) => {
    const column = (xs: number[]): number[] => xs.filter((_, i) => i % C === j);
    return bestF1Threshold(column(probs), column(target))!;
  });
  assert.deepEqual(
    module.labelThresholds,
    expected.map((e) => e.threshold),
  );
  assert.ok(Math.abs(values['val/f1_tuned'] - expected.reduce((a, e) => a + e.f1, 0) / C) < 1e-12);
  // The next epoch's F1 is counted at the tuned thresholds: on the same batch it reaches the tuned F1.
  torch.noGrad(() => torch.tidy(() => module.validationStep(b, 0)));
  assert.ok(Math.abs(module.onValidationEpochEnd()['val/f1'] - values['val/f1_tuned']) < 1e-6);

  // A callback that swaps the state back after validation (EMA) takes the thresholds with it: the module's
  // own validation end, after the callbacks', sets the tuned ones again.
  const tuned = module.labelThresholds;
  torch.noGrad(() => torch.tidy(() => module.validationStep(b, 0)));
  module.onValidationEpochEnd();
  module.thresholds.fill_(0.5);
  module.onValidationEnd();
  assert.deepEqual(module.labelThresholds, tuned);

  const restored = new MultiLabelModule(backbone(), { numClasses: C, thresholds: 'tuned' });
  restored.loadStateDict(module.stateDict());
  assert.deepEqual(restored.labelThresholds, module.labelThresholds);
  // A restored module (validate, test, a resumed fit) counts F1 at the loaded thresholds.
  torch.noGrad(() => torch.tidy(() => restored.validationStep(b, 0)));
  assert.ok(Math.abs(restored.onValidationEpochEnd()['val/f1'] - values['val/f1_tuned']) < 1e-6);
  const { preds } = torch.noGrad(() => restored.predictStep(b, 0));
  const thresholds = restored.labelThresholds;
  assert.deepEqual(
    Array.from(preds.data() as Uint8Array, Number),
    probs.map((p, i) => (p >= thresholds[i % C] ? 1 : 0)),
  );
  assert.deepEqual(restored.exportMetadata, { task: 'multilabel', thresholds });
  preds.dispose();
  for (const m of [module, restored]) {
    for (const entry of m.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
    m.dispose();
  }
  torch.dispose(b);
});

void test("MultiLabelModule: posWeight auto takes the data module's positive weights when a fit starts", () => {
  const module = new MultiLabelModule(backbone(), { numClasses: C, loss: { name: 'bce', posWeight: 'auto' } });
  module.onFitStart({ dataModule: { positiveWeights: () => [3, 1, 1] } });
  torch.tidy(() => {
    const logits = torch.tensor([[0.3, -1, 2]]);
    const target = torch.tensor([[1, 0, 1]]);
    const weighted = module.computeLoss(logits, target).item();
    const plain = torch.binaryCrossEntropyWithLogits(logits, target, { posWeight: torch.tensor([3, 1, 1]) }).item();
    assert.ok(Math.abs(weighted - plain) < 1e-7, `${weighted} vs ${plain}`);
  });
  module.dispose();
});

void test('MultiLabelModule refuses a single-label loss and a threshold outside [0, 1]', () => {
  assert.throws(
    () => new MultiLabelModule(backbone(), { numClasses: C, loss: { name: 'cross_entropy' } }),
    (e: unknown) =>
      e instanceof ConfigError && /loss.name: expected a multi-label loss \(bce, asl\), but got 'cross_entropy'/.test(e.message),
  );
  assert.throws(
    () => new MultiLabelModule(backbone(), { numClasses: C, thresholds: 1.5 }),
    /thresholds: expected a number in \[0, 1\] or 'tuned'/,
  );
});
