/**
 * What `analyze` says and writes about calibration and test-time
 * augmentation: on the val split it fits the temperature, on the test split
 * it measures the one the checkpoint holds (fitted on val at the end of
 * fit); either way `analysis/calibration.json` and `reliability.png`. With
 * `--tta` it sets the accuracy without TTA beside the analysed one.
 *
 * @example
 * const lines = await calibrationLines(runDir, probe, predictions, { split: 'val', file, checkpoint, tta: null });
 */
import path from 'node:path';
import type { TtaPlan } from '../export/tta.js';
import type { Checkpoint } from '../training/checkpoint/checkpoint.js';
import { analysisFiles } from './analysis-files.js';
import type { CalibrationProbe } from './calibration-probe.js';
import type { CalibrationResult } from './calibration.js';
import { writeCalibrationFiles } from './calibration-files.js';
import type { Predictions } from './predictions.js';

/** Where the predictions came from. */
export interface CalibrationContext {
  split: string;
  /** The checkpoint file analysed, and what it holds. */
  file: string;
  checkpoint: Pick<Checkpoint, 'calibration'>;
  tta: TtaPlan | null;
}

const figures = (r: CalibrationResult): string =>
  `NLL ${r.nll.before.toFixed(4)} -> ${r.nll.after.toFixed(4)}, ECE ${r.ece.before.toFixed(4)} -> ${r.ece.after.toFixed(4)} over ${r.samples} images`;

/** Top-1 accuracy of probabilities N x C row-major against the targets. */
function accuracyOf(probs: Float32Array, targets: Int32Array): number {
  const c = probs.length / targets.length;
  let hits = 0;
  targets.forEach((t, i) => {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[i * c + j] > probs[i * c + best]) best = j;
    if (best === t) hits++;
  });
  return hits / targets.length;
}

/**
 * Writes the calibration files for the analysed split and returns the summary lines (calibration, then TTA).
 *
 * @example
 * console.log((await calibrationLines(runDir, probe, predictions, context)).join('\n'));
 */
export async function calibrationLines(
  runDir: string,
  probe: CalibrationProbe,
  predictions: Pick<Predictions, 'probs' | 'targets'>,
  context: CalibrationContext,
): Promise<string[]> {
  const lines: string[] = [];
  const stored = context.checkpoint.calibration?.temperature;
  const where = { split: context.split, checkpoint: path.relative(runDir, context.file) };
  const dir = path.join(runDir, analysisFiles.dir);
  if (context.split === 'val') {
    const result = probe.calibrate(predictions.targets);
    await writeCalibrationFiles(dir, result, where);
    const note = stored === undefined ? '' : ` (the checkpoint stores ${stored.toFixed(4)})`;
    lines.push(`calibration: temperature ${result.temperature.toFixed(4)} fitted on val${note}: ${figures(result)}`);
  } else if (stored !== undefined) {
    const result = probe.calibrate(predictions.targets, { temperature: stored });
    await writeCalibrationFiles(dir, result, where);
    lines.push(`calibration: the checkpoint's temperature ${stored.toFixed(4)} (fitted on val) on ${context.split}: ${figures(result)}`);
  } else {
    lines.push(`calibration: the checkpoint holds no temperature to measure on ${context.split}; 'analyze --split val' fits one`);
  }
  if (context.tta !== null) {
    const plain = probe.plainAccuracy(predictions.targets);
    const withTta = accuracyOf(predictions.probs, predictions.targets);
    const gain = (withTta - plain) * 100;
    lines.push(
      `TTA '${context.tta.label}' (${context.tta.views} views): accuracy ${plain.toFixed(4)} without, ${withTta.toFixed(4)} with, ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points`,
    );
  }
  return lines;
}
