/**
 * The evaluation loop: validation (also the sanity check before training)
 * and test. Runs the module in eval mode without gradients, one tensor scope
 * per batch, then the module's epoch end computes the split's metrics, which
 * go to `callbackMetrics` and the loggers. Training mode is restored after.
 * In a data-parallel run each rank evaluates its own share of the split and
 * the metric states are synced over ranks before the epoch end computes them.
 *
 * @example
 * const metrics = await runEvaluation(trainer, 'val', trainer.valLoader);
 */
import type { DataLoader } from '../../data/data-loader.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { HookName } from '../callback.js';
import { anyRank, syncMetrics } from '../strategies/ddp-connector.js';
import { limitBatches } from '../trainer-options.js';
import type { Trainer } from '../trainer.js';
import { toDevice } from './batch.js';
import { collectModuleLogs, writeMetrics } from './logging.js';

const hookNames = {
  val: [
    'onValidationStart',
    'onValidationEpochStart',
    'onValidationBatchStart',
    'onValidationBatchEnd',
    'onValidationEpochEnd',
    'onValidationEnd',
  ],
  test: ['onTestStart', 'onTestEpochStart', 'onTestBatchStart', 'onTestBatchEnd', 'onTestEpochEnd', 'onTestEnd'],
} as const satisfies Record<string, readonly HookName[]>;

/** Batches to evaluate under the Trainer's limits. */
function batchLimit(t: Trainer, split: 'val' | 'test', available: number): number {
  const fast = t.options.fastDevRun;
  if (fast !== false) return Math.min(available, fast === true ? 1 : fast);
  return limitBatches(split === 'val' ? t.options.limitValBatches : t.options.limitTestBatches, available);
}

/**
 * Runs one pass over `loader`; returns the split's epoch metrics ({} for a sanity check).
 *
 * @example
 * await runEvaluation(trainer, 'val', loader, { sanityBatches: 2 });
 */
export async function runEvaluation(
  t: Trainer,
  split: 'val' | 'test',
  loader: DataLoader,
  options: { sanityBatches?: number } = {},
): Promise<Record<string, number>> {
  const module = t.module!;
  const hooks = t.hooks!;
  const [onStart, onEpochStart, onBatchStart, onBatchEnd, onEpochEnd, onEnd] = hookNames[split];
  const sanity = options.sanityBatches !== undefined;
  const limit = sanity ? Math.min(options.sanityBatches!, loader.length) : batchLimit(t, split, loader.length);
  const wasTraining = module.training;
  // Data-parallel: each rank's last training forward updated its own BatchNorm running
  // statistics; evaluate every shard with rank 0's (the weights the checkpoint holds), as DDP does.
  t.ddp?.syncBuffers(module);
  module.eval();
  try {
    await hooks.call(onStart, t);
    await hooks.call(onEpochStart, t);
    let batchIdx = 0;
    if (limit > 0) {
      for await (const raw of loader.epoch(t.currentEpoch)) {
        const batch = toDevice(raw, t.device);
        try {
          await hooks.call(onBatchStart, t, { batch, batchIdx });
          const out = torch.noGrad(() =>
            torch.tidy(() =>
              t.precision.forward(() => (split === 'val' ? module.validationStep(batch, batchIdx) : module.testStep(batch, batchIdx))),
            ),
          );
          try {
            collectModuleLogs(t, batch.images.size(0), split);
            await hooks.call(onBatchEnd, t, { batch, batchIdx, loss: out.loss, logits: out.logits });
          } finally {
            torch.dispose([out.loss, out.logits] as Tensor[]);
          }
        } finally {
          torch.dispose([batch.images, batch.labels]);
        }
        if (++batchIdx >= limit) break;
      }
    }
    let metrics: Record<string, number> = {};
    if (sanity) {
      module.resetMetrics(split);
      for (const e of module.takeLogs()) if (typeof e.value !== 'number') e.value.dispose();
      t.collector.reduceEpoch(split);
    } else {
      // Data-parallel: each rank evaluated its own shard; the metric states are summed over
      // ranks first (every rank takes part, even one whose shard was empty).
      if (anyRank(t, batchIdx > 0)) {
        syncMetrics(t, split);
        if (split === 'val') module.onValidationEpochEnd();
        else module.onTestEpochEnd();
      }
      collectModuleLogs(t, 1, split);
      metrics = t.collector.reduceEpoch(split);
      await writeMetrics(t, metrics);
    }
    await hooks.call(onEpochEnd, t);
    await hooks.call(onEnd, t);
    return metrics;
  } finally {
    if (wasTraining) module.train();
  }
}
