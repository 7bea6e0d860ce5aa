/**
 * The predict loop: the module's `predictStep` over a loader of image files
 * (eval pipeline, no gradients), with class probabilities read per batch.
 *
 * @example
 * const rows = await runPredict(context, dm.predictLoader(paths), paths);
 */
import type { DataLoader } from '../../data/data-loader.js';
import * as torch from '../../torch/index.js';
import { TrainingError } from '../../errors.js';
import type { StageContext } from './loop-context.js';
import { toDevice } from './batch.js';

/** One prediction: the file, the class probabilities and the predicted class. */
export interface PredictRow {
  path: string;
  probs: number[];
  pred: number;
}

/** Runs `predictStep` over every batch; rows in the order of `paths` (unreadable files skipped by the loader). */
export async function runPredict(c: StageContext, loader: DataLoader, paths: readonly string[]): Promise<PredictRow[]> {
  const { trainer: t, module, hooks } = c;
  const predictStep = module.predictStep?.bind(module);
  if (predictStep === undefined)
    throw new TrainingError(`Trainer.predict: expected a module with predictStep, but got ${module.constructor.name} without one`);
  const rows: PredictRow[] = [];
  module.eval();
  await hooks.call('onPredictStart', t);
  let batchIdx = 0;
  for await (const raw of loader.epoch(0)) {
    const batch = toDevice(raw, t.device);
    try {
      const probs = torch.noGrad(() =>
        torch.tidy(() => t.precision.forward(() => predictStep(batch, batchIdx).probs.to({ dtype: 'float32', device: 'cpu' }))),
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
