/**
 * `classifier-training train [overrides...]`: composes the config (the
 * package's `conf/`, a user's `--config-dir` first), validates it, creates
 * the run directory with `.config/config.yaml` and `.config/overrides.yaml`,
 * builds everything through the registry and calls `trainer.fit`, then
 * tests the best checkpoint when the data has a test split. Config errors
 * are reported before libtorch loads where composition finds them. With
 * `trainer.strategy=ddp` the same command runs on every node (torchrun's
 * MASTER_ADDR, MASTER_PORT, NODE_RANK) or in every rank an outside launcher
 * starts (WORLD_SIZE, RANK); the variables are checked first (exit 2), and
 * one process reports the run: node 0's, or rank 0 under an outside launcher.
 * With `-m` it runs a sweep (multirun/multirun.ts), each run a `train` of its own.
 *
 * @example
 * registerTrain(program); // classifier-training train model=resnet50 trainer.maxEpochs=30
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { watchParent } from '../../training/strategies/parent-watch.js';
import { withConfigFlags } from './config-flags.js';
import type { ConfigFlags } from './config-flags.js';

/** Adds `train` to the program. @example registerTrain(program); */
export function registerTrain(program: Command): void {
  withConfigFlags(program.command('train'))
    .description('train a classifier from the composed config (Hydra-style overrides: key=value, group=option, +key=value, ~key)')
    .argument('[overrides...]', 'config overrides, e.g. model=resnet50 data.batchSize=64 trainer.maxEpochs=30')
    .option(
      '--resume <run dir | checkpoint>',
      "resume a run with its own saved config: a run dir (from its last checkpoint) or a checkpoint file; overrides apply on top. 'last' / 'best' mean ckptPath=last / best",
    )
    .option('--no-test', 'skip testing the best checkpoint after training')
    .option(
      '-m, --multirun',
      'run every combination of the sweeps (a,b  range(1,10,2)  choice(x,y), on any key or group) in turn, ' +
        'run n in <run.sweepDir>/<n>/, a summary in <run.sweepDir>/multirun.csv and on stdout',
    )
    .option('--max-runs <n>', 'with -m: the most runs a sweep may have; a larger one is refused before any run (default 1000)')
    .addHelpText(
      'after',
      `
Examples:
  classifier-training train
  classifier-training train model=resnet50 data.batchSize=64 trainer.maxEpochs=30
  classifier-training train data=image_folder data.root=data/pets trainer=local
  classifier-training train run.dir=outputs/r1 ckptPath=last
  classifier-training train --resume outputs/r1
  classifier-training train --resume outputs/r1/checkpoints/epoch=2-step=300.ckpt
  classifier-training train --config-dir my-conf --config-name experiment
  classifier-training train -m model=resnet18,resnet34 optimizer.lr=0.01,0.001
  classifier-training train -m 'optimizer.lr=choice(0.1,0.01)' 'trainer.maxEpochs=range(5,20,5)'

Sweeps (-m): every run's config is checked before the first run starts (past
1000 runs, a sample: the first runs, the last, every value of each swept key);
a sweep of more than --max-runs runs (default 1000) is refused. A run
that fails is recorded and the sweep goes on (exit 1 at the end). Ctrl-C stops
the sweep once the current run has saved its checkpoint (exit 130). The sweep
dir is run.sweepDir (default multirun/<date>/<time>); to finish an interrupted
sweep, run the same command with run.sweepDir=<that dir>: finished runs are
skipped and an interrupted one resumes from its last checkpoint.`,
    )
    .action(async (overrides: string[], opts: ConfigFlags & { resume?: string; test: boolean; multirun?: boolean; maxRuns?: string }) => {
      // A run that a sweep or the DDP launcher started stops once that parent is gone.
      watchParent(process.env);
      if (opts.maxRuns !== undefined && opts.multirun !== true)
        throw new ConfigError(`train: expected --max-runs only with -m/--multirun, but got --max-runs ${opts.maxRuns} for one run`);
      if (opts.multirun === true) {
        if (opts.resume !== undefined) {
          throw new ConfigError('train: expected no --resume with -m/--multirun, but got one; run the sweep again with run.sweepDir=<dir>');
        }
        const { parseMaxRuns, runMultirun } = await import('../multirun/multirun.js');
        const { configDir, configName, plugin = [], test } = opts;
        process.exitCode = await runMultirun({ configDir, configName, plugin, test, overrides, maxRuns: parseMaxRuns(opts.maxRuns) });
        return;
      }
      const { runTrain } = await import('./train-run.js');
      await runTrain(overrides, opts);
    });
}
