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
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createRunDir } from '../../config/index.js';
import { ConfigError, DataError } from '../../errors.js';
import { reportsRun, resolveDdpRole, RUN_DIR_ENV } from '../../training/strategies/ddp-env.js';
import { watchParent } from '../../training/strategies/parent-watch.js';
import { composeRunConfig } from '../compose-run-config.js';

/** Options shared by the commands that compose a config. */
export interface ConfigFlags {
  configDir?: string;
  configName: string;
  /** Modules that register the user's own components. */
  plugin?: string[];
}

/** Adds `--config-dir` and `--config-name` to a command. @example withConfigFlags(program.command('train')); */
export function withConfigFlags(command: Command, configName = 'train'): Command {
  return command
    .option('--config-dir <dir>', "a config folder searched before the package's conf/ (your own groups and primary configs)")
    .option('--config-name <name>', 'the primary config', configName)
    .option(
      '--plugin <module>',
      'a module (file or package) that registers your own components; repeatable',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    );
}

/** Adds `train` to the program. @example registerTrain(program); */
export function registerTrain(program: Command): void {
  withConfigFlags(program.command('train'))
    .description('train a classifier from the composed config (Hydra-style overrides: key=value, group=option, +key=value, ~key)')
    .argument('[overrides...]', 'config overrides, e.g. model=resnet50 data.batchSize=64 trainer.maxEpochs=30')
    .option('--resume <ckpt>', 'resume from a checkpoint: last, best or a file (same as ckptPath=...)')
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
      const all = opts.resume === undefined ? overrides : [...overrides, `ckptPath=${opts.resume}`];
      const run = composeRunConfig({ configDir: opts.configDir, configName: opts.configName, overrides: all });
      const builder = await import('../run-builder.js');
      await builder.loadComponents(opts.plugin);
      const options = builder.validateRunConfig(run.config, run.sources);
      const { strategy, devices, numNodes } = options.trainer as { strategy: string; devices: number; numNodes: number };
      // A wrong torchrun variable exits 2 here, before a run dir, a worker or a process group exists.
      if (strategy === 'ddp') resolveDdpRole(process.env, { devices, numNodes });
      const reports = reportsRun(process.env, strategy);
      // Our launcher's workers write into its run dir (theirs would differ by a clock tick);
      // other ranks and nodes only name theirs: rank 0 on node 0 writes every file.
      const spawnedDir = strategy === 'ddp' ? process.env[RUN_DIR_ENV] : undefined;
      const runDir =
        spawnedDir ??
        (reports ? createRunDir(String(options.run.dir), { config: run.config, overrides: all }) : path.resolve(String(options.run.dir)));
      if (reports) console.error(`run dir: ${runDir}`);
      const dm = builder.buildDataModule(options);
      await dm.setup('fit');
      const module = builder.buildModule(options, dm);
      // How a run starts (ckptPath) is no part of what it trains: a resume must not read as a changed config.
      const identity = { ...run.config, ckptPath: null };
      const trainer = builder.buildTrainer(options, runDir, identity);
      await trainer.fit(module, dm, { ckptPath: options.ckptPath });
      if (!reports) {
        module.dispose();
        return;
      }
      // An interrupted run (SIGINT / SIGTERM: exit code 130 / 143 is set) ends here, with its checkpoint saved.
      if (opts.test && !process.exitCode && (await hasTestSplit(dm))) {
        // A Trainer of its own without loggers: a second run of the same loggers would start metrics.csv again.
        const quiet = { ...options.trainer, enableCheckpointing: false, enableModelSummary: false, enableProgressBar: false };
        const tester = builder.buildTrainer({ ...options, trainer: quiet, callbacks: {}, logging: {} }, runDir, identity);
        const ckptPath = trainer.options.enableCheckpointing && trainer.options.fastDevRun === false ? 'best' : null;
        const [metrics] = await tester.test(module, dm, { ckptPath });
        writeFileSync(path.join(runDir, 'test_metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
        console.log(JSON.stringify({ runDir, metrics: trainer.callbackMetrics, test: metrics }, null, 2));
      } else {
        console.log(JSON.stringify({ runDir, metrics: trainer.callbackMetrics }, null, 2));
      }
      module.dispose();
    });
}

/** Whether the data module can set up a test split (IDX always has one; folders and JSONL may not). */
async function hasTestSplit(dm: { setup(stage: 'test'): Promise<void> }): Promise<boolean> {
  try {
    await dm.setup('test');
    return true;
  } catch (error) {
    if (error instanceof DataError) return false;
    throw error;
  }
}
