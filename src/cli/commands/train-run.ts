/**
 * One `train` run, in the order that keeps a refused command from leaving
 * anything behind: compose (or read back the run's saved config for
 * `--resume <run dir | checkpoint>`), validate, check a resume against the
 * checkpoint's config, set up the data and build everything — and only then
 * create the run dir, write `.config/` and the provenance, and fit. A
 * resume that passes leaves the run's `.config/` as it was unless the
 * config really changed (allowed by `trainer.resume.allowConfigChange`).
 *
 * @example
 * await runTrain(['trainer.maxEpochs=1'], { configName: 'train', test: true });
 * await runTrain([], { configName: 'train', test: true, resume: 'outputs/r1' });
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRunDir, isFolder, runDirOf, savedRunConfig } from '../../config/index.js';
import { ConfigError, DataError, fsReason, SerializationError } from '../../errors.js';
import { diffConfigs, RESUME_ADDED_DEFAULTS, RESUME_IGNORED_KEYS } from '../../fingerprint.js';
import { reportsRun, resolveDdpRole } from '../../training/strategies/ddp-env.js';
import { composeFromSaved, composeRunConfig } from '../compose-run-config.js';
import type { RunConfig } from '../compose-run-config.js';
import type * as RunBuilder from '../run-builder.js';
import type { RunPlan } from '../run-plan.js';
import { frozenScratchNote } from '../frozen-scratch-note.js';
import { ModelCheckpoint } from '../../training/callbacks/model-checkpoint.js';
import { provenanceRecord } from '../../training/precision-auto.js';
import type { ConfigFlags } from './config-flags.js';

/** What `train` was asked, beside the overrides. */
export interface TrainFlags extends ConfigFlags {
  /** last, best, a checkpoint file or a run dir. */
  resume?: string;
  test: boolean;
}

/**
 * The config of the run: composed from the overrides, or for `--resume <dir | file>`
 * the run's saved config with the overrides on top, its run dir and checkpoint set.
 */
function trainConfig(overrides: readonly string[], flags: TrainFlags): RunConfig {
  const resume = flags.resume;
  if (resume === undefined || resume === 'last' || resume === 'best') {
    const all = resume === undefined ? overrides : [...overrides, `ckptPath=${resume}`];
    return composeRunConfig({ configDir: flags.configDir, configName: flags.configName, overrides: all });
  }
  const folder = isFolder(resume);
  const runDir = folder ? path.resolve(resume) : runDirOf(resume);
  const saved = savedRunConfig(runDir);
  if (saved === null) {
    throw new ConfigError(
      `train --resume: expected a run dir made by train (with .config/config.yaml) at ${runDir}, but got none; ` +
        'resume a run of your own config with run.dir=<dir> ckptPath=last',
    );
  }
  const ckpt = folder ? 'last' : path.resolve(resume);
  return composeFromSaved(saved, [...overrides, `run.dir=${runDir}`, `ckptPath=${ckpt}`]);
}

/**
 * Refuses a resume whose checkpoint was saved with another config, before
 * anything is written; returns the checkpoint file it will resume from.
 */
async function checkResume(
  ckptPath: string,
  runDir: string,
  saved: unknown,
  allowConfigChange: boolean,
): Promise<{ file: string; changed: boolean }> {
  const { checkpointCandidates, checkResumeConfig, readCheckpointHeader } = await import('../../training/index.js');
  const candidates = checkpointCandidates(ckptPath, path.join(runDir, 'checkpoints'));
  const failures: string[] = [];
  for (const file of candidates) {
    let header: ReturnType<typeof readCheckpointHeader>;
    try {
      header = readCheckpointHeader(file);
    } catch (error) {
      if (candidates.length === 1) throw error;
      failures.push(`${file} (${(error as Error).message})`);
      continue;
    }
    if (header.configFingerprint === null) return { file, changed: false };
    // Silent when allowed: the Trainer says it once, when it restores the checkpoint.
    checkResumeConfig({ saved: header.config, current: saved, file, allowConfigChange, print: () => undefined });
    return { file, changed: diffConfigs(header.config, saved, { exclude: RESUME_IGNORED_KEYS, absent: RESUME_ADDED_DEFAULTS }).length > 0 };
  }
  throw new SerializationError(
    `train: expected a readable checkpoint for ckptPath '${ckptPath}', but every candidate failed: ${failures.join('; ')}`,
  );
}

/** Runs `train` without `-m`; sets `process.exitCode` on an interrupted run (130 / 143). */
export async function runTrain(overrides: readonly string[], flags: TrainFlags): Promise<void> {
  const composed = trainConfig(overrides, flags);
  const builder = await import('../run-builder.js');
  await builder.loadComponents(flags.plugin);
  // optimizer.lr=auto: the finder's number goes into the run's config before anything is built for the fit.
  const { resolveAutoLr } = await import('../auto-lr.js');
  const { run, lrFinder } = await resolveAutoLr(composed, (m) => console.error(m));
  const { resolveRunPlan } = await import('../run-plan.js');
  const plan = resolveRunPlan(run);
  const { strategy, devices, numNodes, resume } = plan.trainer;
  // A wrong torchrun variable exits 2 here, before a run dir, a worker or a process group exists.
  if (strategy === 'ddp') resolveDdpRole(process.env, { devices, numNodes });
  // Other ranks and nodes only name the run dir: rank 0 on node 0 writes every file.
  const reports = reportsRun(process.env, strategy);
  const { runDir, ckptPath } = plan;
  // Rank 0 checks (other nodes may hold no copy of the checkpoint); every rank's Trainer checks again as it restores.
  const resumed = ckptPath === null || !reports ? null : await checkResume(ckptPath, runDir, plan.config, resume.allowConfigChange);
  const dm = builder.buildDataModule(plan);
  await dm.setup('fit');
  // A resumed run's weights come from its checkpoint: the pretrained file is neither fetched nor read.
  if (ckptPath === null) await builder.fetchRunWeights(plan);
  const module = builder.buildModule(plan, dm, { weightsFromCheckpoint: ckptPath !== null });
  const trainer = builder.buildTrainer(plan);
  let provenance: { finish(status: 'success' | 'failed' | 'interrupted'): void } | null = null;
  if (reports) {
    const keepSaved = resumed !== null && !resumed.changed && savedRunConfig(runDir) !== null;
    if (!keepSaved) createRunDir(runDir, { config: plan.config, overrides: run.overrides });
    await lrFinder?.save(runDir);
    console.error(`run dir: ${runDir}`);
    if (plan.evalTransformsNote) console.error(plan.evalTransformsNote);
    const scratch = frozenScratchNote(plan);
    if (scratch) console.error(scratch);
    const { datasetFingerprint, finishProvenance, startProvenance } = await import('../provenance.js');
    const entry = startProvenance(runDir, { data: datasetFingerprint({ train: dm.train, val: dm.val }, dm.idxToClass) });
    // The fit settles `precision: auto`; what it chose (and why) goes into the run's provenance.
    provenance = { finish: (status) => finishProvenance(runDir, entry, status, { precision: provenanceRecord(trainer.precisionChoice) }) };
  }
  const stopDashboard = reports && plan.dashboard ? await (await import('./dashboard.js')).startRunDashboard(runDir) : null;
  try {
    await trainer.fit(module, dm, { ckptPath: resumed?.file ?? ckptPath });
    if (reports) await report(trainer, builder, plan, { dm, module, test: flags.test });
    provenance?.finish(process.exitCode === 130 || process.exitCode === 143 ? 'interrupted' : 'success');
  } catch (error) {
    provenance?.finish('failed');
    throw error;
  } finally {
    module.dispose();
    await stopDashboard?.();
  }
}

type Builder = typeof RunBuilder;
type Built = { dm: ReturnType<Builder['buildDataModule']>; module: ReturnType<Builder['buildModule']>; test: boolean };

/** Tests the best checkpoint (when there is a test split and the run was not interrupted) and prints the run's results. */
async function report(trainer: ReturnType<Builder['buildTrainer']>, builder: Builder, plan: RunPlan, built: Built) {
  const { dm, module } = built;
  const { runDir } = plan;
  // An interrupted run (SIGINT / SIGTERM: exit code 130 / 143 is set) ends here, with its checkpoint saved.
  if (!built.test || process.exitCode || !(await hasTestSplit(dm))) {
    console.log(JSON.stringify({ runDir, metrics: trainer.callbackMetrics }, null, 2));
    return;
  }
  // A Trainer of its own without loggers: a second run of the same loggers would start metrics.csv again.
  // The test runs at the precision the fit settled (`auto` is chosen once, by the fit).
  const { precision, memoryFormat } = trainer.precisionChoice;
  const quiet = {
    ...plan.trainer,
    precision,
    memoryFormat,
    enableCheckpointing: false,
    enableModelSummary: false,
    enableProgressBar: false,
  };
  const tester = builder.buildTrainer({ ...plan, trainer: quiet, callbacks: {}, logging: {} });
  const ckptPath = trainer.options.enableCheckpointing && trainer.options.fastDevRun === false ? bestOfFirstCheckpoint(trainer) : null;
  const [metrics] = await tester.test(module, dm, { ckptPath });
  console.log(JSON.stringify({ runDir, metrics: trainer.callbackMetrics, test: metrics }, null, 2));
  const file = path.join(runDir, 'test_metrics.json');
  try {
    writeFileSync(file, `${JSON.stringify(metrics, null, 2)}\n`);
  } catch (error) {
    throw new SerializationError(
      `train: expected to write the test metrics to ${file}, but got ${fsReason(error)}; they are printed above`,
      {
        cause: error,
      },
    );
  }
}

/**
 * 'best' of the run's first checkpoint callback, as Lightning's `trainer.test(ckpt_path='best')` takes
 * `trainer.checkpoint_callback`: with several monitors, 'best' alone would be ambiguous.
 */
function bestOfFirstCheckpoint(trainer: { callbacks: readonly object[] }): string {
  const checkpoints = trainer.callbacks.filter((c): c is ModelCheckpoint => c instanceof ModelCheckpoint);
  const monitor = checkpoints[0]?.options.monitor ?? null;
  return checkpoints.length > 1 && monitor !== null ? `best:${monitor}` : 'best';
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
