/**
 * The predict loop: the module's `predictStep` over a loader of image files
 * (eval pipeline, no gradients), with class probabilities read per batch.
 *
 * @example
 * const rows = await runPredict(trainer, dm.predictLoader(paths), paths);
 */
import type { DataLoader } from '../../data/data-loader.js';
import * as torch from '../../torch/index.js';
import type { Trainer } from '../trainer.js';
import { toDevice } from './batch.js';

/** One prediction: the file, the class probabilities and the predicted class. */
export interface PredictRow {
  path: string;
  probs: number[];
  pred: number;
}

/** Runs `predictStep` over every batch; rows in the order of `paths` (unreadable files skipped by the loader). */
export async function runPredict(t: Trainer, loader: DataLoader, paths: readonly string[]): Promise<PredictRow[]> {
  const module = t.module!;
  const hooks = t.hooks!;
  const rows: PredictRow[] = [];
  module.eval();
  await hooks.call('onPredictStart', t);
  let batchIdx = 0;
  for await (const raw of loader.epoch(0)) {
    const batch = toDevice(raw, t.device);
    try {
      const probs = torch.noGrad(() =>
        torch.tidy(() => t.precision.forward(() => module.predictStep(batch, batchIdx).probs.to({ dtype: 'float32', device: 'cpu' }))),
      );
      const values = probs.toArray() as number[][];
      probs.dispose();
      values.forEach((p, i) => rows.push({ path: paths[batch.indices[i]], probs: p, pred: p.indexOf(Math.max(...p)) }));
      await hooks.call('onPredictBatchEnd', t, { batch, batchIdx });
    } finally {
      torch.dispose([batch.images, batch.labels]);
    }
    batchIdx++;
  }
  await hooks.call('onPredictEnd', t);
  return rows;
}
