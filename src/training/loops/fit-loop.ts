/**
 * The fit loop: the sanity validation, then epochs until a limit
 * (`maxEpochs`, `maxSteps`, a Timer for `maxTime`), a stop request past
 * `minEpochs`, or a signal.
 *
 * @example
 * await runFitLoop(context);
 */
import { profile } from '../profiler.js';
import { runEvaluation } from './evaluation-loop.js';
import type { FitContext } from './loop-context.js';
import { mustStop, runTrainingEpoch } from './training-epoch-loop.js';

function fitDone(c: FitContext): boolean {
  const maxEpochs = c.trainer.options.maxEpochs;
  return (maxEpochs !== null && c.progress.position.epoch >= maxEpochs) || mustStop(c);
}

/** Runs the whole fit. */
export async function runFitLoop(c: FitContext): Promise<void> {
  const { trainer: t, hooks, progress, valLoader } = c;
  const sanityBatches = t.options.numSanityValSteps;
  if (sanityBatches > 0 && valLoader !== null && !fitDone(c)) {
    progress.setSanityChecking(true);
    try {
      await hooks.call('onSanityCheckStart', t);
      await profile(t.profiler, 'run_sanity_check', () => runEvaluation(c, 'val', valLoader, { sanityBatches }));
      await hooks.call('onSanityCheckEnd', t);
    } finally {
      progress.setSanityChecking(false);
    }
  }
  await hooks.call('onTrainStart', t);
  while (!fitDone(c)) {
    if ((await runTrainingEpoch(c)) === 'stopped') break;
  }
  await hooks.call('onTrainEnd', t);
}
