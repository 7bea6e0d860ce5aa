import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, tidy } from '../torch/index.js';
import { allCloseTo, metricCases, threeWays } from '../../test/fixtures/metrics/load-case.js';
import { MulticlassCalibrationError } from './calibration-error.js';
import type { CalibrationNorm } from './calibration-error.js';

for (const c of metricCases().filter((x) => x.expected['calibration/l1/b15'] !== undefined)) {
  void test(`calibration error matches torchmetrics: ${c.name}`, () => {
    tidy(() => {
      for (const nBins of [15, 5]) {
        for (const norm of ['l1', 'l2', 'max'] as CalibrationNorm[]) {
          const make = (): MulticlassCalibrationError =>
            new MulticlassCalibrationError({ numClasses: c.numClasses, nBins, norm, ignoreIndex: c.ignoreIndex });
          allCloseTo(threeWays(make, c), c.expected[`calibration/${norm}/b${nBins}`], `${c.name} calibration ${norm} ${nBins} bins`);
        }
      }
    });
  });
}

void test("calibration error: torchmetrics' docstring example", () => {
  tidy(() => {
    const preds = tensor([
      [0.25, 0.2, 0.55],
      [0.55, 0.05, 0.4],
      [0.1, 0.3, 0.6],
      [0.9, 0.05, 0.05],
    ]);
    const target = tensor(new BigInt64Array([0n, 1n, 2n, 0n]));
    for (const [norm, value] of [
      ['l1', 0.2],
      ['l2', 0.2082],
      ['max', 0.2333],
    ] as const) {
      const ece = new MulticlassCalibrationError({ numClasses: 3, nBins: 3, norm });
      ece.update(preds, target);
      assert.ok(Math.abs(ece.compute().item() - value) < 1e-4, norm);
      ece.dispose();
    }
  });
});
