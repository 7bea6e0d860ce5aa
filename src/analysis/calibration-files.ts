/**
 * What temperature scaling leaves in `<run>/analysis/`: `calibration.json`
 * (the temperature, NLL and ECE before and after, where they were measured)
 * and `reliability.png` (the reliability diagram before and after scaling).
 * Both are replaced whole (write to a temporary file, rename), so a report
 * reading them never sees half a file.
 *
 * @example
 * await writeCalibrationFiles('outputs/run/analysis', result, { split: 'val', checkpoint: 'checkpoints/last.ckpt' });
 */
import path from 'node:path';
import { renderReliabilityDiagram } from '../training/plots/render-reliability.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { analysisFiles } from './analysis-files.js';
import type { CalibrationResult } from './calibration.js';

/** What calibration.json holds. */
export interface CalibrationRecord {
  temperature: number;
  /** The split the temperature was fitted and measured on. */
  split: string;
  /** The checkpoint whose weights were calibrated, when there is one. */
  checkpoint: string | null;
  samples: number;
  nBins: number;
  nll: { before: number; after: number };
  ece: { before: number; after: number };
}

/**
 * The record of a calibration result.
 *
 * @example
 * calibrationRecord(result, { split: 'val', checkpoint: null }).temperature;
 */
export function calibrationRecord(result: CalibrationResult, where: { split: string; checkpoint: string | null }): CalibrationRecord {
  const { temperature, samples, nBins, nll, ece } = result;
  return { temperature, split: where.split, checkpoint: where.checkpoint, samples, nBins, nll, ece };
}

/**
 * Writes calibration.json and reliability.png into `dir` (made if needed, by `writeFileReplacing`); returns their paths.
 *
 * @example
 * const { json, png } = await writeCalibrationFiles(path.join(runDir, 'analysis'), result, { split: 'val', checkpoint: null });
 */
export async function writeCalibrationFiles(
  dir: string,
  result: CalibrationResult,
  where: { split: string; checkpoint: string | null },
): Promise<{ json: string; png: string }> {
  const json = path.join(dir, analysisFiles.calibrationJson);
  const png = path.join(dir, analysisFiles.reliabilityPng);
  await writeFileReplacing(json, `${JSON.stringify(calibrationRecord(result, where), null, 2)}\n`);
  const diagram = await renderReliabilityDiagram(
    [
      { name: 'uncalibrated', ece: result.ece.before, bins: result.bins.before },
      { name: `T = ${result.temperature.toFixed(3)}`, ece: result.ece.after, bins: result.bins.after },
    ],
    { title: `reliability on ${where.split} (${result.samples} samples)` },
  );
  await writeFileReplacing(png, diagram);
  return { json, png };
}
