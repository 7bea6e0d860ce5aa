/**
 * One training epoch: the train batches from where the epoch stands (a
 * resumed run continues mid-epoch), validation checks inside the epoch
 * (`valCheckInterval`) and at its end, then the epoch's metrics, the
 * scheduler's per-epoch tick and the epoch-end hooks, in that order, so a
 * checkpoint written by an epoch-end hook holds the state the next epoch
 * starts from.
 *
 * @example
 * const outcome = await runTrainingEpoch(trainer); // 'completed' or 'stopped'
 */
import * as torch from '../../torch/index.js';
import { agreeToStop, syncMetrics } from '../strategies/ddp-connector.js';
import { iterate, profile } from '../profiler.js';
import type { Trainer } from '../trainer.js';
import { toDevice } from './batch.js';
import { runEvaluation } from './evaluation-loop.js';
import { collectModuleLogs, flushLoggers, flushStepLogs, writeMetrics } from './logging.js';
import { optimizationStep } from './optimization-step.js';

/** True when the run must stop now, mid-epoch (a signal, maxSteps, or a stop request past minEpochs). */
export function mustStop(t: Trainer): boolean {
  const here =
    (t.maxSteps !== null && t.globalStep >= t.maxSteps) ||
    Boolean(t.signals?.received) ||
    (t.shouldStop && t.progress.epoch >= t.options.minEpochs);
  // Every rank of a data-parallel run stops at the same step, whichever rank was asked to.
  return agreeToStop(t, here);
}

function valDueThisEpoch(t: Trainer): boolean {
  return t.valLoader !== null && (t.currentEpoch + 1) % t.options.checkValEveryNEpochs === 0;
}

/** Train batches between validation checks inside an epoch (null: only at its end). */
function valEveryBatches(t: Trainer): number | null {
  const v = t.options.valCheckInterval;
  if (v === null || t.options.fastDevRun !== false) return null;
  return v < 1 ? Math.max(1, Math.floor(v * t.numTrainBatches)) : v;
}

/** Runs (the rest of) the current epoch. */
export async function runTrainingEpoch(t: Trainer): Promise<'completed' | 'stopped'> {
  const module = t.module!;
  const hooks = t.hooks!;
  const total = t.numTrainBatches;
  const accumulate = t.options.accumulateGradBatches;
  const valEvery = valEveryBatches(t);
  t.currentEpoch = t.progress.epoch;
  let batchIdx = t.progress.batchInEpoch;
  module.train();
  await hooks.call('onTrainEpochStart', t);
  for await (const raw of iterate(t.profiler, 'get_train_batch', t.trainLoader!.epoch(t.currentEpoch, { startBatch: batchIdx }))) {
    const batch = toDevice(raw, t.device);
    t.batchIdx = batchIdx;
    try {
      await hooks.call('onTrainBatchStart', t, { batch, batchIdx });
      const boundary = (batchIdx + 1) % accumulate === 0 || batchIdx + 1 === total;
      const loss = await profile(t.profiler, 'run_training_batch', () => optimizationStep(t, batch, batchIdx, boundary));
      t.progress.batchInEpoch = batchIdx + 1;
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
    if (batchIdx >= total || mustStop(t)) break;
    if (valEvery !== null && batchIdx % valEvery === 0 && valDueThisEpoch(t))
      await profile(t.profiler, 'run_validation', () => runEvaluation(t, 'val', t.valLoader!));
  }
  if (batchIdx < total) {
    await flushStepLogs(t);
    return 'stopped';
  }
  await endTrainEpoch(t);
  return 'completed';
}

async function endTrainEpoch(t: Trainer): Promise<void> {
  const module = t.module!;
  const epoch = t.currentEpoch;
  const val = valDueThisEpoch(t) ? await profile(t.profiler, 'run_validation', () => runEvaluation(t, 'val', t.valLoader!)) : {};
  syncMetrics(t, 'train');
  module.onTrainEpochEnd();
  collectModuleLogs(t, 1);
  await flushStepLogs(t);
  const lr = t.optimizer?.paramGroups[0]?.lr;
  // The epoch's learning rate goes with its metrics (curves, metrics.csv), as the value the epoch trained with.
  const train = { ...t.collector.reduceEpoch('train'), ...(typeof lr === 'number' ? { lr } : {}) };
  await writeMetrics(t, train);
  const epochMetrics = { ...train, ...val };
  t.history.push({
    epoch,
    step: t.globalStep,
    metrics: Object.fromEntries(Object.entries(epochMetrics).filter(([k]) => !k.endsWith('_step'))),
  });
  t.stepper?.afterEpoch(t.callbackMetrics);
  t.progress = { epoch: epoch + 1, batchInEpoch: 0 };
  await t.hooks!.call('onTrainEpochEnd', t);
  await flushLoggers(t);
}
