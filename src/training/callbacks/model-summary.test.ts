import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resnet18 } from '../../models/resnet.js';
import type { ImageClassificationDataModule } from '../../data/datamodule.js';
import { registry } from '../../registry.js';
import * as torch from '../../torch/index.js';
import { fakeTrainer, tinyModule } from './fake-trainer.test-helper.js';
import { MODEL_SUMMARY_FILE, ModelSummary, formatSummary, summarize } from './model-summary.js';
import type { SummaryRow } from './model-summary.js';

/** Written by scripts/fixtures/model_summary.py (torchvision, forward hooks). */
interface Reference {
  inputShape: number[];
  totalParams: number;
  macs: number;
  convLinearMacs: number;
  rows: Pick<SummaryRow, 'name' | 'type' | 'params' | 'outputShape' | 'macs'>[];
}
const references = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../test/fixtures/model-summary/resnet.json', import.meta.url)), 'utf8'),
) as Record<string, Reference>;

function checkAgainst(reference: Reference, numClasses: number): void {
  const model = resnet18({ numClasses });
  const before = torch.memory().liveTensors;
  const summary = summarize(model, reference.inputShape);
  assert.equal(torch.memory().liveTensors, before, 'no tensor outlives the summary');
  assert.deepEqual(
    summary.rows.map(({ name, type, params, outputShape, macs }) => ({ name, type, params, outputShape, macs })),
    reference.rows,
  );
  assert.equal(summary.totalParams, reference.totalParams);
  assert.equal(summary.macs, reference.macs);
  assert.equal(model.training, true, 'train mode restored');
  assert.equal(Object.hasOwn(model.conv1, 'forward'), false, 'forward wrappers removed');
  model.dispose();
}

test("resnet18 at 224x224: torchvision's table and 1.82 GMACs", () => {
  const reference = references.resnet18_224;
  checkAgainst(reference, 1000);
  assert.equal((reference.macs / 1e9).toFixed(2), '1.82');
  assert.equal(reference.convLinearMacs, 1_814_073_344);
});

test('resnet18 with 10 classes on a 64x48 image', () => {
  checkAgainst(references.resnet18_10_64, 10);
});

test('frozen parameters, maxDepth, and no input size', () => {
  const module = tinyModule(3);
  module.backbone.parameters()[0].requiresGrad = false; // conv weight: 4 * 1 * 3 * 3
  const s = summarize(module, null, { maxDepth: 1 });
  assert.deepEqual(
    s.rows.map((r) => [r.name, r.type, r.params, r.outputShape]),
    [
      ['0', 'Sequential', 40, null],
      ['1', 'AdaptiveAvgPool2d', 0, null],
      ['2', 'Flatten', 0, null],
      ['3', 'Linear', 15, null],
    ],
  );
  assert.equal(s.totalParams, 55);
  assert.equal(s.frozenParams, 36);
  assert.equal(s.trainableParams, 19);
  assert.equal(s.sizeMb, (55 * 4) / 1e6);
  assert.equal(s.macs, null);
  assert.match(formatSummary(s), /\?\s+MACs per image \(no input size\)/);
  assert.equal(summarize(module, null, { maxDepth: -1 }).rows.length, 6);
});

test('at fit start it prints the table, MACs and latency, input size from the data module, and writes model_summary.txt', async (t) => {
  const runDir = mkdtempSync(path.join(tmpdir(), 'model-summary-'));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  const module = tinyModule(3);
  const dataModule = { labelsMappingOptions: () => ({ inputSize: [1, 8, 6] }) } as unknown as ImageClassificationDataModule;
  const trainer = fakeTrainer({ dataModule, runDir });
  const callback = new ModelSummary({ latencyRuns: 3 });
  await callback.onFitStart(trainer, module);
  const s = callback.summary!;
  // conv 3x3, 1 -> 4 channels, padding 1 on 8x6: 4*8*6 outputs of 9 MACs; linear 4 -> 3.
  assert.equal(s.macs, 4 * 8 * 6 * 9 + 12);
  assert.deepEqual(s.rows.find((r) => r.name === '0.0')?.outputShape, [1, 4, 8, 6]);
  assert.deepEqual(s.rows.find((r) => r.name === '0')?.outputShape, [1, 4, 8, 6]);
  assert.deepEqual(s.rows.find((r) => r.name === '3')?.outputShape, [1, 3]);
  assert.ok(callback.latencyMs !== null && callback.latencyMs > 0);
  assert.equal(trainer.printed.length, 1);
  assert.match(trainer.printed[0], /0\.0\s+\| Conv2d\s+\| 40\s+\| \[1, 4, 8, 6\]/);
  assert.match(trainer.printed[0], /55\s+Total params/);
  assert.match(trainer.printed[0], /ms\s+Latency/);
  assert.equal(MODEL_SUMMARY_FILE, 'model_summary.txt');
  assert.equal(readFileSync(path.join(runDir, MODEL_SUMMARY_FILE), 'utf8'), `${trainer.printed[0]}\n`, 'the file holds what was printed');
});

test('the inputSize option when the data module cannot tell; registered as model_summary; off writes nothing', async (t) => {
  const runDir = mkdtempSync(path.join(tmpdir(), 'model-summary-'));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  const failing = {
    labelsMappingOptions: () => {
      throw new Error('no setup');
    },
  } as unknown as ImageClassificationDataModule;
  const trainer = fakeTrainer({ dataModule: failing, runDir });
  const off = new ModelSummary({ maxDepth: 0 });
  await off.onFitStart(trainer, tinyModule(3));
  assert.equal(existsSync(path.join(runDir, MODEL_SUMMARY_FILE)), false);
  const callback = registry.build<ModelSummary>('callback', 'model_summary', { inputSize: [1, 4, 4], latencyRuns: 0 });
  await callback.onFitStart(trainer, tinyModule(3));
  assert.equal(callback.summary?.macs, 4 * 16 * 9 + 12);
  assert.equal(callback.latencyMs, null);
  assert.equal(trainer.printed.length, 1);
  assert.ok(existsSync(path.join(runDir, MODEL_SUMMARY_FILE)));
});
