/**
 * One training epoch: the train batches from where the epoch stands (a
 * resumed run continues mid-epoch), validation checks inside the epoch
 * (`valCheckInterval`) and at its end, then the epoch's metrics, the
 * scheduler's per-epoch tick and the epoch-end hooks, in that order, so a
 * checkpoint written by an epoch-end hook holds the state the next epoch
 * starts from.
 *
 * @example
 * const outcome = await runTrainingEpoch(context); // 'completed' or 'stopped'
 */
import * as torch from '../../torch/index.js';
import { agreeToStop, syncMetrics } from '../strategies/ddp-connector.js';
import { iterate, profile } from '../profiler.js';
import { toDevice } from './batch.js';
import { runEvaluation } from './evaluation-loop.js';
import type { FitContext } from './loop-context.js';
import { collectModuleLogs, flushLoggers, flushStepLogs, writeMetrics } from './logging.js';
import { optimizationStep } from './optimization-step.js';

/** True when the run must stop now, mid-epoch (a signal, an abort, maxSteps, or a stop request past minEpochs). */
export function mustStop(c: FitContext): boolean {
  const { trainer: t, progress } = c;
  const maxSteps = t.options.maxSteps;
  const here =
    (maxSteps !== null && progress.globalStep >= maxSteps) ||
    Boolean(c.signals?.received) ||
    c.abortSignal?.aborted === true ||
    (t.shouldStop && progress.position.epoch >= t.options.minEpochs);
  // Every rank of a data-parallel run stops at the same step, whichever rank was asked to.
  return agreeToStop(t, here);
}

function valDueThisEpoch(c: FitContext): boolean {
  return c.valLoader !== null && (c.progress.currentEpoch + 1) % c.trainer.options.checkValEveryNEpochs === 0;
}

/** Train batches between validation checks inside an epoch (null: only at its end). */
function valEveryBatches(c: FitContext): number | null {
  const v = c.trainer.options.valCheckInterval;
  if (v === null) return null;
  return v < 1 ? Math.max(1, Math.floor(v * c.numTrainBatches)) : v;
}

/** Runs (the rest of) the current epoch. */
export async function runTrainingEpoch(c: FitContext): Promise<'completed' | 'stopped'> {
  const { trainer: t, module, hooks, progress } = c;
  const total = c.numTrainBatches;
  const accumulate = t.options.accumulateGradBatches;
  const valEvery = valEveryBatches(c);
  let batchIdx = progress.startEpoch();
  module.train();
  await hooks.call('onTrainEpochStart', t);
  for await (const raw of iterate(t.profiler, 'get_train_batch', c.trainLoader.epoch(progress.currentEpoch, { startBatch: batchIdx }))) {
    const batch = toDevice(raw, t.device);
    progress.startBatch(batchIdx);
    try {
      await hooks.call('onTrainBatchStart', t, { batch, batchIdx });
      const boundary = (batchIdx + 1) % accumulate === 0 || batchIdx + 1 === total;
      const loss = await profile(t.profiler, 'run_training_batch', () => optimizationStep(c, batch, batchIdx, boundary));
      progress.finishBatch();
      try {
        await hooks.call('onTrainBatchEnd', t, { batch, batchIdx, loss });
      } finally {
        loss.dispose();
      }
    } finally {
      torch.dispose([batch.images, batch.labels]);
    }
    batchIdx++;
    // Prefetched batches resolve as microtasks: without a turn of the event loop per step, a
    // signal (or a timer) could wait many steps to be handled.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (batchIdx >= total || mustStop(c)) break;
    if (valEvery !== null && batchIdx % valEvery === 0 && valDueThisEpoch(c) && c.valLoader !== null) {
      const valLoader = c.valLoader;
      await profile(t.profiler, 'run_validation', () => runEvaluation(c, 'val', valLoader));
    }
  }
  if (batchIdx < total) {
    await flushStepLogs(c);
    return 'stopped';
  }
  await endTrainEpoch(c);
  return 'completed';
}

async function endTrainEpoch(c: FitContext): Promise<void> {
  const { trainer: t, module, progress, valLoader } = c;
  const epoch = progress.currentEpoch;
  const val =
    valLoader !== null && valDueThisEpoch(c) ? await profile(t.profiler, 'run_validation', () => runEvaluation(c, 'val', valLoader)) : {};
  syncMetrics(t, 'train');
  module.onTrainEpochEnd?.();
  collectModuleLogs(c, 1);
  await flushStepLogs(c);
  const lr = c.optimizer.paramGroups[0]?.lr;
  // The epoch's learning rate goes with its metrics (curves, metrics.csv), as the value the epoch trained with.
  const train = { ...t.collector.reduceEpoch('train'), ...(typeof lr === 'number' ? { lr } : {}) };
  await writeMetrics(c, train);
  const epochMetrics = { ...train, ...val };
  const metrics = Object.fromEntries(Object.entries(epochMetrics).filter(([k]) => !k.endsWith('_step')));
  c.stepper.afterEpoch(progress.callbackMetrics);
  progress.finishEpoch({ epoch, step: progress.globalStep, metrics });
  await c.hooks.call('onTrainEpochEnd', t);
  await flushLoggers(c);
}
