/**
 * The fit loop: the sanity validation, then epochs until a limit
 * (`maxEpochs`, `maxSteps`, a Timer for `maxTime`), a stop request past
 * `minEpochs`, or a signal.
 *
 * @example
 * await runFitLoop(trainer);
 */
import { profile } from '../profiler.js';
import type { Trainer } from '../trainer.js';
import { runEvaluation } from './evaluation-loop.js';
import { mustStop, runTrainingEpoch } from './training-epoch-loop.js';

function fitDone(t: Trainer): boolean {
  const maxEpochs = t.maxEpochs;
  return (maxEpochs !== null && t.progress.epoch >= maxEpochs) || mustStop(t);
}

/** Runs the whole fit. */
export async function runFitLoop(t: Trainer): Promise<void> {
  const hooks = t.hooks!;
  const sanityBatches = t.options.fastDevRun !== false ? 0 : t.options.numSanityValSteps;
  if (sanityBatches > 0 && t.valLoader !== null && !fitDone(t)) {
    t.sanityChecking = true;
    try {
      await hooks.call('onSanityCheckStart', t);
      await profile(t.profiler, 'run_sanity_check', () => runEvaluation(t, 'val', t.valLoader!, { sanityBatches }));
      await hooks.call('onSanityCheckEnd', t);
    } finally {
      t.sanityChecking = false;
    }
  }
  await hooks.call('onTrainStart', t);
  while (!fitDone(t)) {
    if ((await runTrainingEpoch(t)) === 'stopped') break;
  }
  await hooks.call('onTrainEnd', t);
}
