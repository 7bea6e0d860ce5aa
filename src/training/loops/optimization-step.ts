/**
 * One training step: forward (under the precision's autocast) and backward
 * in tensor scopes, gradient accumulation, and at an accumulation boundary
 * the optimizer step with clipping, the scheduler's per-step tick and the
 * periodic log flush. Hooks run between the scopes (a scope cannot span an
 * `await`).
 *
 * @example
 * const loss = await optimizationStep(context, batch, batchIdx, true); // a detached loss the caller disposes
 */
import type { ClassificationBatch } from '../../data/classification-batch.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { clipGradNorm_, clipGradValue_ } from '../../torch/optim/index.js';
import { profile } from '../profiler.js';
import type { FitContext } from './loop-context.js';
import { collectModuleLogs, flushStepLogs } from './logging.js';

/** Runs forward and backward; steps the optimizer when `boundary`. Returns the detached loss. */
export async function optimizationStep(c: FitContext, batch: ClassificationBatch, batchIdx: number, boundary: boolean): Promise<Tensor> {
  const { trainer: t, module, hooks } = c;
  const accumulate = t.options.accumulateGradBatches;
  t.ddp?.syncBuffers(module);
  const loss = torch.tidy(() => t.precision.forward(() => module.trainingStep(batch, batchIdx)));
  try {
    if (hooks.has('onBeforeBackward')) await hooks.call('onBeforeBackward', t, loss);
    // Data-parallel: gradients are averaged over ranks in buckets during this backward (on the
    // accumulation boundary only, as DDP's no_sync does for the micro-batches before it).
    if (boundary) t.ddp?.beforeBackward();
    torch.tidy(() => t.precision.backward(accumulate > 1 ? loss.div(accumulate) : loss));
    collectModuleLogs(c, batch.images.size(0));
    if (hooks.has('onAfterBackward')) await hooks.call('onAfterBackward', t);
    if (boundary) await optimizerStep(c);
    return loss.detach();
  } finally {
    loss.dispose();
  }
}

async function optimizerStep(c: FitContext): Promise<void> {
  const { trainer: t, optimizer, hooks } = c;
  const { gradientClipVal, gradientClipAlgorithm, logEveryNSteps } = t.options;
  if (gradientClipVal !== null) {
    t.precision.unscale(optimizer);
    const params = optimizer.paramGroups.flatMap((g) => g.params);
    if (gradientClipAlgorithm === 'norm') torch.tidy(() => clipGradNorm_(params, gradientClipVal));
    else clipGradValue_(params, gradientClipVal);
  }
  if (hooks.has('onBeforeOptimizerStep')) await hooks.call('onBeforeOptimizerStep', t);
  if (t.profiler === null) t.precision.step(optimizer);
  else await profile(t.profiler, 'optimizer_step', () => t.precision.step(optimizer));
  optimizer.zeroGrad();
  c.progress.stepTaken();
  c.stepper.afterOptimizerStep(c.progress.callbackMetrics);
  if (hooks.has('onAfterOptimizerStep')) await hooks.call('onAfterOptimizerStep', t);
  if (c.progress.globalStep % logEveryNSteps === 0) await flushStepLogs(c);
}
