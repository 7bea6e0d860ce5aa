/**
 * One `tune lr`: compose the config as `train` does, sweep, write the
 * curve and the plot into the run dir, print the suggestion.
 *
 * @example
 * await runTuneLr(['data.root=photos'], { configName: 'train', maxLr: 10 });
 */
import { TrainingError } from '../../errors.js';
import { composeRunConfig } from '../compose-run-config.js';
import type { ConfigFlags } from './config-flags.js';

/** The sweep's options as flags give them (absent: the finder's defaults). */
export interface TuneLrOptions extends ConfigFlags {
  minLr?: number;
  maxLr?: number;
  numSteps?: number;
  smoothing?: number;
  /** 'none': sweep to the end. */
  divergeThreshold?: number | 'none';
}

/** Runs `tune lr`; prints `optimizer.lr=<x>` on stdout, or throws a TrainingError when there is no suggestion. */
export async function runTuneLr(overrides: readonly string[], flags: TuneLrOptions): Promise<void> {
  const { configDir, configName, plugin, ...sweep } = flags;
  const run = composeRunConfig({ configDir, configName, overrides });
  const builder = await import('../run-builder.js');
  await builder.loadComponents(plugin);
  const { sweepRun } = await import('../auto-lr.js');
  const { lrOverride, saveLrFind } = await import('../../training/index.js');
  const given = { ...sweep, divergeThreshold: sweep.divergeThreshold === 'none' ? null : sweep.divergeThreshold };
  const options = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const { result, plan } = await sweepRun(run, options);
  const files = await saveLrFind(result, plan.runDir);
  const { lrs, stopReason } = result;
  const range = `${lrs.length} steps from lr ${lrs[0]?.toExponential(1)} to ${lrs.at(-1)?.toExponential(1)}`;
  console.error(`lr finder: ${range} (${stopReason}); plot ${files.plot}, curve ${files.json}`);
  if (result.suggestion === null) {
    throw new TrainingError(`tune lr: expected a suggestion, but got none: ${result.failure}; the curve is in ${files.plot}`);
  }
  console.log(lrOverride(result.suggestion));
}
