/**
 * Writes what an LR sweep found into a folder: `lr_find.json` (the options,
 * the suggestion as an override line, why the sweep stopped, and every
 * point of the curve) and `lr_find.png` (the plot). Both are written
 * atomically.
 *
 * @example
 * const files = await saveLrFind(result, 'outputs/2026-12-07/17-40-00');
 * files.plot; // '.../lr_find.png'
 */
import path from 'node:path';
import { renderLrFind } from '../plots/render-lr-find.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import type { LrFindResult } from './lr-find.js';

/**
 * The override line that sets a learning rate, three significant digits (`optimizer.lr=0.00316`).
 *
 * @example
 * lrOverride(0.0031622776); // 'optimizer.lr=0.00316'
 */
export function lrOverride(lr: number): string {
  return `optimizer.lr=${Number(lr.toPrecision(3))}`;
}

/**
 * The JSON form of a result: the summary first, then `points` ({ lr, loss, smoothed }, nulls for non-finite values).
 *
 * @example
 * JSON.parse(JSON.stringify(lrFindJson(result))).override; // 'optimizer.lr=0.00316'
 */
export function lrFindJson(result: LrFindResult): Record<string, unknown> {
  const value = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    suggestion: result.suggestion,
    override: result.suggestion === null ? null : lrOverride(result.suggestion),
    failure: result.failure,
    stopReason: result.stopReason,
    suggestionIndex: result.suggestionIndex,
    valley: result.valley,
    options: result.options,
    points: result.lrs.map((lr, i) => ({ lr, loss: value(result.losses[i]), smoothed: value(result.smoothedLosses[i]) })),
  };
}

/**
 * Writes `lr_find.json` and `lr_find.png` into `dir` (created when missing); returns their paths.
 *
 * @example
 * await saveLrFind(await lrFind(trainer, module, dm), runDir);
 */
export async function saveLrFind(result: LrFindResult, dir: string): Promise<{ json: string; plot: string }> {
  const files = { json: path.join(dir, 'lr_find.json'), plot: path.join(dir, 'lr_find.png') };
  await writeFileReplacing(files.json, `${JSON.stringify(lrFindJson(result), null, 2)}\n`);
  await writeFileReplacing(files.plot, await renderLrFind(result));
  return files;
}
