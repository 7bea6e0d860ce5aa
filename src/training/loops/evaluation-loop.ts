/**
 * The evaluation loop: validation (also the sanity check before training)
 * and test. Runs the module in eval mode without gradients, one tensor scope
 * per batch, then the module's epoch end computes the split's metrics, which
 * go to `callbackMetrics` and the loggers. Training mode is restored after.
 * In a data-parallel run each rank evaluates its own share of the split and
 * the metric states are synced over ranks before the epoch end computes them.
 *
 * @example
 * const metrics = await runEvaluation(context, 'val', valLoader);
 */
import type { ClassificationBatch } from '../../data/classification-batch.js';
import type { DataLoader } from '../../data/data-loader.js';
import { TrainingError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { HookName } from '../callback.js';
import { anyRank, syncMetrics } from '../strategies/ddp-connector.js';
import type { StepOutput } from '../trainable-module.js';
import { limitBatches } from '../trainer-options.js';
import { toDevice } from './batch.js';
import type { StageContext } from './loop-context.js';
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

/** The module's step for `split` (a module without `testStep` cannot be tested). */
function stepOf(c: StageContext, split: 'val' | 'test'): (batch: ClassificationBatch, i: number) => StepOutput {
  const module = c.module;
  if (split === 'val') return (batch, i) => module.validationStep(batch, i);
  const testStep = module.testStep?.bind(module);
  if (testStep === undefined)
    throw new TrainingError(`Trainer.test: expected a module with testStep, but got ${module.constructor.name} without one`);
  return testStep;
}

/**
 * Runs one pass over `loader`; returns the split's epoch metrics ({} for a sanity check).
 *
 * @example
 * await runEvaluation(context, 'val', loader, { sanityBatches: 2 });
 */
export async function runEvaluation(
  c: StageContext,
  split: 'val' | 'test',
  loader: DataLoader,
  options: { sanityBatches?: number } = {},
): Promise<Record<string, number>> {
  const { trainer: t, module, hooks } = c;
  const [onStart, onEpochStart, onBatchStart, onBatchEnd, onEpochEnd, onEnd] = hookNames[split];
  const sanity = options.sanityBatches !== undefined;
  const limit = limitBatches(
    options.sanityBatches ?? (split === 'val' ? t.options.limitValBatches : t.options.limitTestBatches),
    loader.length,
  );
  const step = stepOf(c, split);
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
      for await (const raw of loader.epoch(c.progress.currentEpoch)) {
        const batch = toDevice(raw, t.device);
        try {
          await hooks.call(onBatchStart, t, { batch, batchIdx });
          const out = torch.noGrad(() => torch.tidy(() => t.precision.forward(() => step(batch, batchIdx))));
          try {
            collectModuleLogs(c, batch.images.size(0), split);
            await hooks.call(onBatchEnd, t, { batch, batchIdx, loss: out.loss, logits: out.logits });
          } finally {
            torch.dispose([out.loss, out.logits].filter((x): x is Tensor => x !== undefined));
          }
        } finally {
          torch.dispose([batch.images, batch.labels]);
        }
        if (++batchIdx >= limit) break;
        // As in training: prefetched batches resolve as microtasks; a turn per batch keeps
        // timers, I/O and signals of an embedding program from waiting for the whole pass.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    const metrics = sanity ? dropSanityValues(c, split) : await epochMetrics(c, split, batchIdx > 0);
    await hooks.call(onEpochEnd, t);
    await hooks.call(onEnd, t);
    return metrics;
  } finally {
    if (wasTraining) module.train();
  }
}

/** A sanity check's values reach neither the metrics nor the loggers. */
function dropSanityValues(c: StageContext, split: 'val' | 'test'): Record<string, number> {
  c.module.resetMetrics?.(split);
  for (const e of c.module.takeLogs?.() ?? []) if (typeof e.value !== 'number') e.value.dispose();
  c.trainer.collector.reduceEpoch(split);
  return {};
}

async function epochMetrics(c: StageContext, split: 'val' | 'test', ranBatches: boolean): Promise<Record<string, number>> {
  const t = c.trainer;
  // Data-parallel: each rank evaluated its own shard; the metric states are summed over
  // ranks first (every rank takes part, even one whose shard was empty).
  if (anyRank(t, ranBatches)) {
    syncMetrics(t, split);
    if (split === 'val') c.module.onValidationEpochEnd?.();
    else c.module.onTestEpochEnd?.();
  }
  collectModuleLogs(c, 1, split);
  const metrics = t.collector.reduceEpoch(split);
  await writeMetrics(c, metrics);
  return metrics;
}
