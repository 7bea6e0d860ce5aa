/**
 * Builds what a command runs from its run plan (run-plan.ts), every
 * component through the registry's one `build`: the data module (`data.format` in group
 * 'data_format', the transform lists from `transforms`), the backbone
 * (`model.name`), the ClassificationModule (its loss, optimizer and
 * scheduler by name), callbacks and loggers (`callbacks` / `logging` map
 * registered names to options) and the Trainer. Importing this module loads
 * libtorch: commands import it dynamically, after the config has composed.
 *
 * @example
 * const { loadComponents, buildDataModule } = await import('./run-builder.js');
 * await loadComponents();
 * const dm = buildDataModule(resolveRunPlan(run));
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigObject, SourceMap } from '../config/index.js';
import type { ImageClassificationDataModule } from '../data/index.js';
import { ConfigError } from '../errors.js';
import { ClassificationModule, fetchPretrained, MultiLabelModule, pretrainedWeights } from '../models/index.js';
import { registry } from '../registry.js';
import { manualSeed } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { Trainer } from '../training/index.js';
import type { Callback, Logger } from '../training/index.js';
import { checkable } from './auto-lr.js';
import { resolveRunPlan } from './run-plan.js';
import type { RunPlan } from './run-plan.js';

/**
 * Imports every module that registers components (models, losses,
 * optimizers, data formats, transforms, callbacks, loggers), then the
 * user's plugin modules (files or package names), which register their own
 * the same way and become selectable from the config. A plugin that cannot
 * be imported is a usage error (ConfigError) naming it and why.
 */
export async function loadComponents(plugins: readonly string[] = []): Promise<void> {
  await Promise.all([
    import('../models/index.js'),
    import('../data/index.js'),
    import('../training/index.js'),
    import('../analysis/index.js'),
  ]);
  for (const plugin of plugins) {
    const local = plugin.startsWith('.') || path.isAbsolute(plugin) || existsSync(plugin);
    const refuse = (reason: string, cause?: unknown): ConfigError =>
      new ConfigError(`--plugin ${plugin}: expected a module that registers components, but got ${reason}`, [], { cause });
    if (local) {
      const stat = statSync(plugin, { throwIfNoEntry: false });
      if (stat === undefined) throw refuse(`no such file (${path.resolve(plugin)})`);
      if (stat.isDirectory()) throw refuse('a folder (name the module file inside it)');
    }
    if (/\.[mc]?tsx?$/.test(plugin)) await loadTypeScript(refuse);
    try {
      await import(local ? pathToFileURL(path.resolve(plugin)).href : plugin);
    } catch (error) {
      throw refuse(pluginFailure(plugin, error), error);
    }
  }
}

let typeScriptLoader: Promise<void> | null = null;

/** A TypeScript plugin needs a loader: tsx's, registered once, when the user's project has it. */
async function loadTypeScript(refuse: (reason: string, cause?: unknown) => ConfigError): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return; // already running through tsx
  typeScriptLoader ??= import('tsx/esm/api').then((tsx) => void tsx.register());
  try {
    await typeScriptLoader;
  } catch (error) {
    typeScriptLoader = null;
    throw refuse('a TypeScript file and no tsx to load it (npm install --save-dev tsx, or compile the plugin to .js)', error);
  }
}

/** Why a plugin's import failed, in one line (a thrown error's stack stays in `cause`). */
function pluginFailure(plugin: string, error: unknown): string {
  const e = error instanceof Error ? (error as NodeJS.ErrnoException) : undefined;
  // esbuild (through tsx) opens with "Transform failed with 1 error:"; the next line has file:line and the reason.
  const first = (text: string): string => text.split('\n').find((l) => l.trim() !== '' && !/^Transform failed/.test(l)) ?? text;
  const message = first(e?.message ?? String(error));
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${plugin}'`)) return 'no such package or file';
  if (e?.code === 'ERR_UNSUPPORTED_DIR_IMPORT') return 'a folder (name the module file inside it)';
  if (e instanceof SyntaxError || e?.name === 'TransformError') return `a syntax error: ${message}`;
  return `an error while importing it: ${e?.name ?? 'a thrown value'}: ${message}`;
}

/**
 * Checks a config without building anything (a sweep's runs, `config show --validate`).
 *
 * @example
 * validateRunConfig(run.config, run.sources); // throws a ConfigError listing every issue
 */
export function validateRunConfig(config: ConfigObject, sources: SourceMap): RunPlan {
  // optimizer.lr=auto is settled when the run starts (auto-lr.ts); until then any number checks the rest.
  return resolveRunPlan({ config: checkable(config), sources });
}

/** The data module of `data.format` with the `transforms` lists. @example const dm = buildDataModule(plan); */
export function buildDataModule(plan: RunPlan): ImageClassificationDataModule {
  const lists = plan.transforms ?? {};
  return registry.build<ImageClassificationDataModule>('data_format', plan.data, {
    ...(plan.task === 'multilabel' ? { multiLabel: true } : {}),
    ...(lists.train === undefined ? {} : { trainTransforms: lists.train }),
    ...(lists.eval === undefined ? {} : { evalTransforms: lists.eval }),
  });
}

/**
 * Refuses, before any download, weights the model cannot load: another model's id (its file would be
 * fetched only to fail on the first key) or a value that is neither a known id nor an existing file
 * (a misspelt id would otherwise read as a missing file).
 */
function checkPretrainedFor(model: string, pretrained: string): void {
  const known = Object.hasOwn(pretrainedWeights, pretrained);
  if ((known && pretrainedWeights[pretrained].model === model) || (!known && existsSync(pretrained))) return;
  const ids = Object.keys(pretrainedWeights)
    .filter((id) => pretrainedWeights[id].model === model)
    .sort();
  const expected = `${ids.length === 0 ? `a weights file (no known ids for ${model})` : `one of ${ids.join(', ')} or a weights file`}`;
  const got = known ? `'${pretrained}', the weights of another model` : `'${pretrained}', neither a known id nor an existing file`;
  const message = `expected ${expected}, but got ${got}; model.pretrained=null trains from scratch`;
  throw new ConfigError(`model.pretrained: ${message}`, [{ path: 'model.pretrained', message }]);
}

/**
 * A model whose input size is an option (ViT: its positional embedding) loads known weights only at their
 * size; said before the download, which the model's own check would otherwise follow by hundreds of MB.
 */
function checkImageSizeFor(pretrained: string, imageSize: number | undefined): void {
  const known = Object.hasOwn(pretrainedWeights, pretrained) ? pretrainedWeights[pretrained] : undefined;
  if (known === undefined || typeof imageSize !== 'number' || known.transforms.cropSize === imageSize) return;
  const size = known.transforms.cropSize;
  const message = `expected ${size} for the weights ${pretrained} (their positional embedding's size), but got ${imageSize}; set model.imageSize=${size} data.imageSize=${size}, or model.pretrained=null`;
  throw new ConfigError(`model.imageSize: ${message}`, [{ path: 'model.imageSize', message }]);
}

/**
 * Fetches the run's known pretrained weights (`model.pretrained`) when no folder has them, before the
 * model is built (which reads them synchronously). Every DDP rank may call it: downloads are atomic.
 *
 * @example
 * await fetchRunWeights(plan);
 * const module = buildModule(plan, dm);
 */
export async function fetchRunWeights(plan: RunPlan): Promise<void> {
  const { name, pretrained, weightsDir, imageSize } = plan.model as {
    name: string;
    pretrained?: string | null;
    weightsDir?: string | null;
    imageSize?: number;
  };
  if (typeof pretrained !== 'string') return;
  checkPretrainedFor(name, pretrained);
  checkImageSizeFor(pretrained, imageSize);
  if (!Object.hasOwn(pretrainedWeights, pretrained)) return;
  const { downloaded, path: file } = await fetchPretrained(pretrained, { weightsDir });
  if (downloaded) console.error(`downloaded ${pretrained} to ${file}`);
}

/**
 * The backbone and its module (ClassificationModule, or MultiLabelModule for task=multilabel); null class counts come from the data module (set up for `fit` first).
 * With `trainer.seed` set the initial weights come from that seed (as `seed_everything` before building the model
 * does), so two runs of one config start alike, whichever machines and processes they run on.
 *
 * With `weightsFromCheckpoint` (a resume, `validate`, `test`) the model is built without its
 * `pretrained` weights: the checkpoint overwrites them, so their file need not be on this machine.
 *
 * @example
 * await dm.setup('fit');
 * const module = buildModule(plan, dm);
 */
export function buildModule(
  plan: RunPlan,
  dm: ImageClassificationDataModule,
  options: { weightsFromCheckpoint?: boolean } = {},
): ClassificationModule | MultiLabelModule {
  const seed = plan.trainer.seed;
  if (typeof seed === 'number') manualSeed(seed);
  const classNames = dm.stagesDone.size > 0 ? [...dm.idxToClass] : undefined;
  const numClasses = (plan.model.numClasses as number | null) ?? (plan.data.numClasses as number | null) ?? classNames?.length;
  const model: Record<string, unknown> = { ...plan.model };
  if (options.weightsFromCheckpoint === true) delete model.pretrained;
  const backbone = registry.build<Module>('model', model, { numClasses });
  const hparams = {
    numClasses: numClasses!,
    ...(classNames !== undefined && classNames.length === numClasses ? { classNames } : {}),
    loss: plan.loss,
    optimizer: plan.optimizer,
    scheduler: plan.scheduler,
    ...(plan.finetune === undefined ? {} : { finetune: plan.finetune }),
  };
  if (plan.task === 'multilabel') return new MultiLabelModule(backbone, { ...hparams, thresholds: plan.thresholds });
  return new ClassificationModule(backbone, hparams);
}

/** Builds each `{ name: options }` entry of a callbacks / logging section (a labelled entry names its component in `name`). */
function buildNamed<T>(group: 'callback' | 'logger', section: Readonly<Record<string, unknown>> | undefined): T[] {
  return Object.entries(section ?? {}).map(([key, o]) => {
    const { name = key, ...options } = (o ?? {}) as { name?: string };
    return registry.build<T>(group, name, options);
  });
}

/**
 * The Trainer with the plan's callbacks and loggers, writing into the plan's run dir; its log lines go to
 * stderr (results go to stdout).
 *
 * @example
 * const tester = buildTrainer({ ...plan, callbacks: {}, logging: {} });
 */
export function buildTrainer(plan: RunPlan): Trainer {
  const trainer = new Trainer({
    ...plan.trainer,
    defaultRootDir: plan.runDir,
    callbacks: buildNamed<Callback>('callback', plan.callbacks),
    logger: buildNamed<Logger>('logger', plan.logging),
    config: plan.config,
  });
  // The progress bar (on stderr) routes the lines itself.
  if (!trainer.callbacks.some((c) => c.printer !== null)) trainer.setPrinter((m) => console.error(m));
  return trainer;
}
