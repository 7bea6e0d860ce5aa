/**
 * `classifier-training analyze <run dir | checkpoint>`: where a trained
 * model goes wrong, on the val or test split of the data its run was trained
 * on. The module and the data are rebuilt from the run's `.config/` (no
 * pretrained download: the checkpoint's weights replace them), one pass
 * collects the predictions, and `<run>/analysis/` gets the per-class table,
 * the most-confused pairs, the confusion matrices and the top losses with
 * their images, the likely label errors (confident learning on the split's
 * predictions, or with `--cross-val k` on k-fold out-of-sample predictions
 * of the training split: `label_issues.csv` and thumbnails) and the images
 * `data check` finds in more than one split (`duplicates.csv`);
 * `report.html` gets its Analysis section. A short summary goes to stdout.
 * A multi-label run gets its own analysis (analyze-multilabel.ts): the
 * per-label table and the top losses by BCE.
 * Usage errors (no checkpoint, an unknown or empty split) exit 2 before
 * anything is written.
 *
 * @example
 * registerAnalyze(program); // classifier-training analyze outputs/2026-11-26/17-40-00 --split test --top-k 16
 */
import path from 'node:path';
import type { Command } from 'commander';
import { isFolder, runDirOf } from '../../config/index.js';
import type { FoldBuilder } from '../../analysis/cross-val.js';
import type { Predictions } from '../../analysis/predictions.js';
import type { RunPlan } from '../run-plan.js';
import type * as runBuilder from '../run-builder.js';
import { savedRunConfig } from '../../config/index.js';
import type { ImageClassificationDataModule } from '../../data/datamodule.js';
import type { TopLoss } from '../../analysis/top-losses.js';
import type { ImageDataset } from '../../data/dataset.js';
import { ConfigError, DataError } from '../../errors.js';
import type { ClassificationModule } from '../../models/classification-module.js';
import type { MultiLabelModule } from '../../models/multilabel-module.js';
import type { Checkpoint } from '../../training/checkpoint/checkpoint.js';
import { composeFromSaved, composeRunConfig } from '../compose-run-config.js';
import { withConfigFlags } from './config-flags.js';
import type { ConfigFlags } from './config-flags.js';

type RunBuilder = typeof runBuilder;

/** The splits `analyze` reads. */
export const analyzeSplits = ['val', 'test'] as const;

interface AnalyzeFlags extends ConfigFlags {
  split: string;
  topK: string;
  crossVal?: string;
  crossValEpochs?: string;
  cam?: string;
  tta?: string;
}

/** The checkpoint a target names, read: a file as it is; a run dir's best checkpoint (else its last). */
async function checkpointOf(target: string): Promise<{ file: string; runDir: string; checkpoint: Checkpoint }> {
  const { resolveCheckpoint } = await import('../../training/checkpoint/checkpoint-connector.js');
  const folder = isFolder(target);
  const dir = folder ? path.join(path.resolve(target), 'checkpoints') : path.dirname(path.resolve(target));
  try {
    const { path: file, checkpoint } = resolveCheckpoint(folder ? 'best' : path.resolve(target), dir, (m) => console.error(m));
    return { file, runDir: folder ? path.resolve(target) : runDirOf(file), checkpoint };
  } catch (error) {
    throw new ConfigError(
      `analyze: expected a run directory with checkpoints/ or a checkpoint file, but got ${target} (${(error as Error).message.replace(/^Trainer: /, '')})`,
      [],
      { cause: error },
    );
  }
}

/** The module with the checkpoint's weights and the split's data, rebuilt from the run's saved config. */
async function rebuildRun(
  runDir: string,
  checkpoint: Checkpoint,
  split: 'val' | 'test',
  overrides: string[],
  flags: ConfigFlags,
): Promise<{
  dm: ImageClassificationDataModule;
  dataset: ImageDataset;
  module: ClassificationModule | MultiLabelModule;
  plan: RunPlan;
  builder: RunBuilder;
}> {
  const savedConfig = savedRunConfig(runDir);
  const { saved, config, sources } =
    savedConfig === null ? composeRunConfig({ ...flags, overrides }) : composeFromSaved(savedConfig, overrides);
  const builder = await import('../run-builder.js');
  await builder.loadComponents(flags.plugin);
  const { resolveRunPlan } = await import('../run-plan.js');
  const plan = resolveRunPlan({ config, sources, saved }, { runDir });
  const dm = builder.buildDataModule(plan);
  let module: ClassificationModule | MultiLabelModule | null = null;
  try {
    const dataset = await splitOf(dm, split);
    module = builder.buildModule(plan, dm, { weightsFromCheckpoint: true });
    module.loadStateDict(checkpoint.model);
    return { dm, dataset, module, plan, builder };
  } catch (error) {
    module?.dispose();
    await dm.close();
    throw error;
  }
}

function checkedFlags(flags: AnalyzeFlags): { split: 'val' | 'test'; topK: number; crossVal?: number; crossValEpochs?: number } {
  if (!(analyzeSplits as readonly string[]).includes(flags.split))
    throw new ConfigError(`analyze: expected --split among ${analyzeSplits.join(', ')}, but got '${flags.split}'`);
  const topK = Number(flags.topK);
  if (!Number.isInteger(topK) || topK < 0)
    throw new ConfigError(`analyze: expected --top-k to be a non-negative integer, but got '${flags.topK}'`);
  if (flags.cam !== undefined && !['gradcam', 'gradcam++', 'none'].includes(flags.cam))
    throw new ConfigError(`analyze: expected --cam among gradcam, gradcam++, none, but got '${flags.cam}'`);
  const integer = (flag: string, value: string | undefined, min: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`analyze: expected ${flag} to be an integer >= ${min}, but got '${value}'`);
    return n;
  };
  const crossVal = integer('--cross-val', flags.crossVal, 2);
  const crossValEpochs = integer('--cross-val-epochs', flags.crossValEpochs, 1);
  if (crossValEpochs !== undefined && crossVal === undefined)
    throw new ConfigError(`analyze: expected --cross-val <k> with --cross-val-epochs, but got --cross-val-epochs alone`);
  return {
    split: flags.split as 'val' | 'test',
    topK,
    ...(crossVal === undefined ? {} : { crossVal }),
    ...(crossValEpochs === undefined ? {} : { crossValEpochs }),
  };
}

/** Adds `analyze` to the program. @example registerAnalyze(program); */
export function registerAnalyze(program: Command): void {
  withConfigFlags(program.command('analyze'))
    .description("where the model goes wrong: per-class table, confused pairs, top losses (writes analysis/ and the report's section)")
    .argument('<target>', 'a run directory (its best checkpoint, else its last) or a checkpoint file')
    .argument('[overrides...]', 'config overrides, e.g. data.root=other-data')
    .option('--split <split>', `the split to analyse: ${analyzeSplits.join(' or ')}`, 'val')
    .option('--top-k <k>', 'how many top losses to list and show', '16')
    .option('--cross-val <k>', 'find likely label errors on the training split with k-fold out-of-sample predictions (trains k models)')
    .option('--cross-val-epochs <n>', "epochs per cross-validation model (default: the run's trainer.maxEpochs)")
    .option(
      '--cam <method>',
      'Grad-CAM overlays of the top losses: gradcam (default where the model declares its layer), gradcam++ or none',
    )
    .option(
      '--tta <views>',
      'analyse test-time augmented probabilities: flip, crops or flip,crops (the accuracy without is printed beside)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  classifier-training analyze outputs/2026-11-26/17-40-00\n  classifier-training analyze outputs/r1/checkpoints/last.ckpt --split test --top-k 32\n  classifier-training analyze outputs/r1 --cross-val 5 --cross-val-epochs 3',
    )
    .action((target: string, overrides: string[], flags: AnalyzeFlags) => analyzeRun(target, overrides, flags));
}

/** The run's analysis: rebuilds its module and data, writes analysis/ and the report's section, and prints the summary. */
async function analyzeRun(target: string, overrides: string[], flags: AnalyzeFlags): Promise<void> {
  const { split, topK, crossVal, crossValEpochs } = checkedFlags(flags);
  const tta = flags.tta === undefined ? null : (await import('../../export/tta.js')).parseTta(flags.tta, 'analyze');
  const { file, runDir, checkpoint } = await checkpointOf(target);
  const labelsMapping = checkpoint.labelsMapping;
  const { disposeCheckpoint } = await import('../../training/checkpoint/checkpoint-connector.js');
  let built: Awaited<ReturnType<typeof rebuildRun>>;
  try {
    built = await rebuildRun(runDir, checkpoint, split, overrides, flags);
  } finally {
    disposeCheckpoint(checkpoint);
  }
  const { dm, dataset, module, plan, builder } = built;
  const { CalibrationProbe } = await import('../../analysis/calibration-probe.js');
  const probe = new CalibrationProbe((x) => module.forward(x), tta);
  const { datasetFingerprint, finishProvenance, startProvenance } = await import('../provenance.js');
  const entry = startProvenance(runDir, { data: datasetFingerprint({ [split]: dataset }, dm.idxToClass) });
  try {
    const loader = split === 'val' ? dm.valLoader() : dm.testLoader();
    if ('thresholds' in module) {
      const { analyzeMultilabelRun } = await import('./analyze-multilabel.js');
      const { cam, tta: ttaFlag } = flags;
      await analyzeMultilabelRun(runDir, module, { split, topK, dataset, loader, file, labelsMapping, cam, tta: ttaFlag, crossVal });
      finishProvenance(runDir, entry, 'success');
      return;
    }
    const { collectPredictions, runAnalysis, analysisSummary, writeReportSection } = await import('../../analysis/index.js');
    const predictions = await collectPredictions(module, loader, { probsOf: probe.probsOf });
    const { calibrationLines } = await import('../../analysis/calibration-report.js');
    const lines = await calibrationLines(runDir, probe, predictions, { split, file, checkpoint, tta });
    const extra = { checkpoint: file, ...(tta === null ? {} : { tta: tta.label }) };
    const { writeTopLossCams } = await import('../../analysis/cam-top-losses.js');
    const { declaresCamLayer } = await import('../../analysis/cam-layer.js');
    const sourceOf = (sample: number) => dataset.source(predictions.indices[sample]);
    const method = (flags.cam ?? 'gradcam') as 'gradcam' | 'gradcam++' | 'none';
    const beforeReport = async (a: { topLosses: TopLoss[] }): Promise<void> => {
      if (method === 'none') return;
      // The default draws maps where the model can; a custom model without a declared layer is only noted.
      if (flags.cam === undefined && !declaresCamLayer(module)) return console.error('Grad-CAM: skipped (the model declares no camLayer)');
      await writeTopLossCams(runDir, module, a.topLosses, { sourceOf, labelsMapping, file, method });
    };
    const analysis = await runAnalysis(runDir, predictions, { split, topK, dataset, extra, beforeReport });
    console.log([analysisSummary(analysis), ...lines].join('\n'));
    await analyzeLabels(runDir, { predictions, dataset, split, plan, dm, builder, crossVal, crossValEpochs });
    await writeReportSection(runDir);
    console.error(`wrote ${path.join(runDir, 'analysis')} and the Analysis section of ${path.join(runDir, 'report.html')}`);
    finishProvenance(runDir, entry, 'success');
  } catch (error) {
    finishProvenance(runDir, entry, 'failed');
    throw error;
  } finally {
    module.dispose();
    await dm.close();
  }
}

/** The likely label errors (of the split, or of the training split by cross-validation) and the duplicates across splits. */
async function analyzeLabels(
  runDir: string,
  o: {
    predictions: Predictions;
    dataset: ImageDataset;
    split: 'val' | 'test';
    plan: RunPlan;
    dm: ImageClassificationDataModule;
    builder: RunBuilder;
    crossVal: number | undefined;
    crossValEpochs: number | undefined;
  },
): Promise<void> {
  const { predictions, dataset, split, plan, dm, builder, crossVal, crossValEpochs } = o;
  const { analyzeLabelIssues } = await import('../../analysis/label-issues-files.js');
  const outOfSample =
    crossVal === undefined
      ? { predictions, dataset, where: split }
      : await crossValidated({
          plan,
          dm,
          builder: {
            ...builder,
            buildModule: (p: RunPlan, d: ImageClassificationDataModule) => singleLabel(builder.buildModule(p, d)),
          },
          folds: crossVal,
          epochs: crossValEpochs,
        });
  console.log((await analyzeLabelIssues(runDir, outOfSample.predictions, outOfSample)).summary);
  const { analyzeDuplicates } = await import('../../analysis/label-issues-duplicates.js');
  const files = [dm.train, dm.val, dm.test].reduce((n, d) => n + (d?.length ?? 0), 0);
  console.log((await analyzeDuplicates(runDir, { root: dm.root, format: dm.format, files })).summary);
}

/** The module of a single-label run (cross-validation's folds); a multi-label run never gets there. */
function singleLabel(module: ReturnType<RunBuilder['buildModule']>): ClassificationModule {
  if (!('thresholds' in module)) return module;
  module.dispose();
  throw new ConfigError(`analyze: expected a single-label run (task=multiclass) to cross-validate, but got a task=multilabel run`);
}

/** Out-of-sample predictions on the training split from `folds` fresh models of the run's plan. */
async function crossValidated(o: {
  plan: RunPlan;
  dm: ImageClassificationDataModule;
  builder: FoldBuilder<RunPlan> & { fetchRunWeights(plan: RunPlan): Promise<void> };
  folds: number;
  epochs: number | undefined;
}): Promise<{ predictions: Predictions; dataset: ImageDataset; where: string }> {
  const { crossValPredictions } = await import('../../analysis/cross-val.js');
  await o.builder.fetchRunWeights(o.plan);
  const { predictions, dataset } = await crossValPredictions({
    plan: o.plan,
    dataModule: o.dm,
    folds: o.folds,
    builder: o.builder,
    ...(o.epochs === undefined ? {} : { epochs: o.epochs }),
    onFold: (f, k, n) => console.error(`cross-val: fold ${f + 1}/${k}, training on ${n} samples`),
  });
  return { predictions, dataset, where: `train (${o.folds}-fold cross-validation)` };
}

/** The split's data set, set up; a missing or empty split is a usage error. */
async function splitOf(dm: ImageClassificationDataModule, split: 'val' | 'test'): Promise<ImageDataset> {
  try {
    await dm.setup(split === 'val' ? 'fit' : 'test');
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    throw new ConfigError(`analyze: expected a ${split} split, but got ${error.message}`, [], { cause: error });
  }
  const dataset = split === 'val' ? dm.val : dm.test;
  if (dataset === null || dataset.length === 0)
    throw new ConfigError(
      `analyze: expected a ${split} split with samples, but got ${dataset === null ? 'none' : 'an empty one'}${split === 'val' ? ' (set data.valFraction > 0, or use --split test)' : ''}`,
    );
  return dataset;
}
