/**
 * `optimizer.lr=auto` and `tune lr`: a composed config's learning rate
 * found by the LR finder. The sweep runs on the data module, module and
 * Trainer options the config builds (with a stand-in lr while the config is
 * checked: the optimizer's schema wants a number, and the sweep sets the lr
 * itself). For `train`, the suggestion, rounded to three significant digits,
 * replaces `auto` in the run's config before anything is built for the fit,
 * so `.config/config.yaml`, the checkpoints and the logged hyperparameters
 * hold the number: a resume (or a rerun of the saved config) does not sweep
 * again, and a resumed `optimizer.lr=auto` takes the run's saved number. A
 * fast dev run skips the sweep (as Lightning's Tuner does) and runs with 1e-3.
 *
 * @example
 * const { run, lrFinder } = await resolveAutoLr(trainConfig(overrides, flags), (m) => console.error(m));
 * createRunDir(runDir, { config: run.saved, overrides: run.overrides });
 * await lrFinder?.save(runDir); // lr_find.json and lr_find.png beside the run's config
 */
import path from 'node:path';
import { isConfigObject, savedRunConfig } from '../config/index.js';
import type { ConfigObject } from '../config/index.js';
import { ConfigError, TrainingError } from '../errors.js';
import type { LrFindOptionsInput, LrFindResult } from '../training/index.js';
import type { RunConfig } from './compose-run-config.js';
import type { RunPlan } from './run-plan.js';

/** The value of `optimizer.lr` that asks for the LR finder. */
export const AUTO_LR = 'auto';

/** Checks a config with `auto` in place: the sweep overrides whatever lr the optimizer is built with. */
const standInLr = 1e-3;

function optimizerOf(config: ConfigObject): ConfigObject | null {
  return isConfigObject(config.optimizer) ? config.optimizer : null;
}

/** True when the config's `optimizer.lr` is `auto`. @example asksAutoLr(run.config); */
export function asksAutoLr(config: ConfigObject): boolean {
  return optimizerOf(config)?.lr === AUTO_LR;
}

/** A copy of `config` with `optimizer.lr` set to `lr`. @example withLr(config, 3e-3).optimizer; */
export function withLr(config: ConfigObject, lr: number): ConfigObject {
  const optimizer = optimizerOf(config);
  return optimizer === null ? config : { ...config, optimizer: { ...optimizer, lr } };
}

/** The config to check: `auto` stands in as a number. @example resolveRunPlan({ config: checkable(config), sources }); */
export function checkable(config: ConfigObject): ConfigObject {
  return asksAutoLr(config) ? withLr(config, standInLr) : config;
}

/** The run with `optimizer.lr` set in both the resolved and the saved config. */
function runWithLr(run: RunConfig, lr: number): RunConfig {
  return { ...run, config: withLr(run.config, lr), saved: withLr(run.saved, lr) };
}

/**
 * Sweeps the learning rate for a composed run (components already loaded): builds its data
 * module, module and a Trainer without callbacks, loggers or progress bar, runs `lrFind` and
 * disposes the module. `runDir` decides where the plan says the run goes.
 *
 * @example
 * const { result, plan } = await sweepRun(composeRunConfig({ overrides }), { numSteps: 200 });
 */
export async function sweepRun(run: RunConfig, options: LrFindOptionsInput = {}): Promise<{ result: LrFindResult; plan: RunPlan }> {
  const builder = await import('./run-builder.js');
  const { resolveRunPlan } = await import('./run-plan.js');
  const { lrFind } = await import('../training/index.js');
  const plan = resolveRunPlan({ config: checkable(run.config), sources: run.sources, saved: run.saved });
  if (plan.trainer.strategy === 'ddp') {
    throw new ConfigError(
      "lr finder: expected one process, but got trainer.strategy=ddp; run 'classifier-training tune lr' without it and set optimizer.lr to its suggestion",
      [{ path: 'optimizer.lr', message: 'expected a number with trainer.strategy=ddp, but got auto' }],
    );
  }
  const dm = builder.buildDataModule(plan);
  await dm.setup('fit');
  // The sweep starts from the weights the fit will start from: fetch known pretrained weights first.
  await builder.fetchRunWeights(plan);
  const module = builder.buildModule(plan, dm);
  const quiet = { ...plan.trainer, enableProgressBar: false, enableModelSummary: false, enableCheckpointing: false };
  const trainer = builder.buildTrainer({ ...plan, trainer: quiet, callbacks: {}, logging: {} });
  try {
    return { result: await lrFind(trainer, module, dm, options), plan };
  } finally {
    module.dispose();
    trainer.dispose();
    await dm.close();
  }
}

/** What `resolveAutoLr` found: the run to train, and the sweep's files to write once the run dir exists. */
export interface AutoLr {
  run: RunConfig;
  lrFinder: { save(runDir: string): Promise<void> } | null;
}

/**
 * Replaces `optimizer.lr=auto` with the LR finder's suggestion (a fresh run) or the run's saved
 * learning rate (a resume); a config with a number passes through untouched.
 *
 * @example
 * const { run } = await resolveAutoLr(composeRunConfig({ overrides: ['optimizer.lr=auto'] }), console.error);
 * run.config.optimizer; // { name: 'adamw', lr: 0.00316, ... }
 */
export async function resolveAutoLr(run: RunConfig, print: (message: string) => void): Promise<AutoLr> {
  if (!asksAutoLr(run.config)) return { run, lrFinder: null };
  if (run.config.ckptPath !== null && run.config.ckptPath !== undefined) return { run: resumedLr(run, print), lrFinder: null };
  const trainer = isConfigObject(run.config.trainer) ? run.config.trainer : {};
  if (trainer.fastDevRun !== undefined && trainer.fastDevRun !== false) {
    // As Lightning's Tuner: a dev run checks the pipeline in a few batches, a sweep would take a hundred.
    print(`lr finder: skipped in a fast dev run; optimizer.lr=${standInLr} for this run`);
    return { run: runWithLr(run, standInLr), lrFinder: null };
  }
  const { result } = await sweepRun(run);
  if (result.suggestion === null) {
    throw new TrainingError(
      `train: expected the LR finder to suggest a learning rate for optimizer.lr=auto, but got none: ${result.failure}; ` +
        "set optimizer.lr to a number ('classifier-training tune lr' writes the curve to look at)",
    );
  }
  const lr = Number(result.suggestion.toPrecision(3));
  print(
    `lr finder: optimizer.lr=auto is ${lr} (${result.lrs.length} steps from ${result.options.minLr} to ${result.options.maxLr}, ${result.stopReason})`,
  );
  const { saveLrFind } = await import('../training/index.js');
  return { run: runWithLr(run, lr), lrFinder: { save: async (runDir) => void (await saveLrFind(result, runDir)) } };
}

/** A resumed run keeps the learning rate its first start chose (saved in its `.config/`). */
function resumedLr(run: RunConfig, print: (message: string) => void): RunConfig {
  const dir = isConfigObject(run.config.run) ? run.config.run.dir : undefined;
  const runDir = path.resolve(typeof dir === 'string' ? dir : '.');
  const saved = savedRunConfig(runDir);
  const lr = saved !== null && isConfigObject(saved.config) ? optimizerOf(saved.config)?.lr : undefined;
  if (typeof lr !== 'number') {
    const message = `expected a number in ${path.join(runDir, '.config', 'config.yaml')} to resume with, but got ${saved === null ? 'no saved config' : JSON.stringify(lr)}`;
    throw new ConfigError(`optimizer.lr=auto: ${message}; set optimizer.lr to the run's learning rate`, [
      { path: 'optimizer.lr', message },
    ]);
  }
  print(`lr finder: not run on resume; optimizer.lr=${lr} from ${saved!.file}`);
  return runWithLr(run, lr);
}
