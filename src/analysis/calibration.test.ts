import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, ShapeError } from '../errors.js';
import * as torch from '../torch/index.js';
import { calibrate, fitTemperature, MIN_TEMPERATURE, reliabilityBins, scaledNll } from './calibration.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/temperature');

/** A case written by scripts/fixtures/temperature.py: logits, labels and PyTorch's LBFGS fit. */
function fixture(name: string): { logits: torch.Tensor; labels: torch.Tensor; temperature: number; nllBefore: number; nllAfter: number } {
  const record = torch.load(path.join(fixtures, `${name}.safetensors`));
  const [temperature, nllBefore, nllAfter] = Array.from(record.temperature_nll_before_after.data() as Float64Array);
  record.temperature_nll_before_after.dispose();
  return { logits: record.logits, labels: record.labels, temperature, nllBefore, nllAfter };
}

for (const name of ['overconfident', 'underconfident', 'calibrated']) {
  void test(`temperature scaling: the fitted T equals PyTorch's LBFGS fit within 1e-4 (${name})`, () => {
    const c = fixture(name);
    try {
      const result = calibrate(c.logits, c.labels);
      assert.ok(Math.abs(result.temperature - c.temperature) < 1e-4, `T ${result.temperature} vs PyTorch ${c.temperature}`);
      assert.ok(Math.abs(result.nll.before - c.nllBefore) < 1e-6, `NLL before ${result.nll.before} vs ${c.nllBefore}`);
      assert.ok(Math.abs(result.nll.after - c.nllAfter) < 1e-6, `NLL after ${result.nll.after} vs ${c.nllAfter}`);
      assert.equal(result.samples, c.labels.shape[0]);
    } finally {
      torch.dispose([c.logits, c.labels]);
    }
  });
}

void test('temperature scaling lowers the NLL and the ECE of an over-confident model', () => {
  const c = fixture('overconfident');
  try {
    const result = calibrate(c.logits, c.labels);
    assert.ok(result.temperature > 3, `an over-confident model is cooled down (T = ${result.temperature})`);
    assert.ok(result.nll.after < result.nll.before - 0.5, `NLL ${result.nll.before} -> ${result.nll.after}`);
    assert.ok(result.ece.after < result.ece.before / 2, `ECE ${result.ece.before} -> ${result.ece.after}`);
  } finally {
    torch.dispose([c.logits, c.labels]);
  }
});

void test('scaledNll is the cross-entropy of logits / T', () => {
  // log(1 + e^-2) for both rows at T = 1; at T = 2 the margin halves: log(1 + e^-1).
  const rows = { logits: new Float32Array([2, 0, 0, 2]), labels: [0, 1], numClasses: 2 };
  assert.ok(Math.abs(scaledNll(rows, 1) - Math.log(1 + Math.exp(-2))) < 1e-12);
  assert.ok(Math.abs(scaledNll(rows, 2) - Math.log(1 + Math.exp(-1))) < 1e-12);
});

void test('a model that separates every sample gets a small finite temperature, not 0', () => {
  // The NLL keeps falling as T shrinks; the fit stops where float64 sees it flat, or at MIN_TEMPERATURE.
  const fit = fitTemperature({ logits: new Float32Array([3, 0, 0, 3, 3, 0]), labels: [0, 1, 0], numClasses: 2 });
  assert.ok(fit.temperature >= MIN_TEMPERATURE && fit.temperature < 0.05, `T = ${fit.temperature}`);
  assert.ok(fit.nllAfter < fit.nllBefore);
});

void test('calibration refuses labels out of range and logits that do not fit the labels', () => {
  assert.throws(() => fitTemperature({ logits: new Float32Array(4), labels: [0, 2], numClasses: 2 }), DataError);
  assert.throws(() => fitTemperature({ logits: new Float32Array(5), labels: [0, 1], numClasses: 2 }), ShapeError);
  assert.throws(() => fitTemperature({ logits: new Float32Array(0), labels: [], numClasses: 2 }), /at least one labelled sample/);
});

void test("reliability bins: torchmetrics' docstring example binned by hand", () => {
  torch.tidy(() => {
    const probs = torch.tensor([
      [0.25, 0.2, 0.55],
      [0.55, 0.05, 0.4],
      [0.1, 0.3, 0.6],
      [0.9, 0.05, 0.05],
    ]);
    const labels = torch.tensor(new BigInt64Array([0n, 1n, 2n, 0n]));
    const bins = reliabilityBins(probs, labels, 3);
    assert.deepEqual(
      bins.map((b) => b.count),
      [0, 3, 1],
    );
    assert.ok(Math.abs(bins[1].accuracy - 1 / 3) < 1e-9 && Math.abs(bins[1].confidence - 1.7 / 3) < 1e-6);
    assert.ok(bins[2].accuracy === 1 && Math.abs(bins[2].confidence - 0.9) < 1e-6);
    // ECE from the bins is the metric's 0.2 (torchmetrics' documented value for these inputs).
    const ece = bins.reduce((s, b) => s + (Math.abs(b.accuracy - b.confidence) * b.count) / 4, 0);
    assert.ok(Math.abs(ece - 0.2) < 1e-6, `ECE ${ece}`);
  });
});

void test('calibrate leaves no tensor behind', () => {
  const c = fixture('calibrated');
  try {
    calibrate(c.logits, c.labels); // warm-up: lazily created state is not a leak
    const before = torch.memory().liveTensors;
    calibrate(c.logits, c.labels);
    assert.equal(torch.memory().liveTensors, before);
  } finally {
    torch.dispose([c.logits, c.labels]);
  }
});
