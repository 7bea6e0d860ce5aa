/**
 * Builds what a command runs from a composed config, every component
 * through the registry: the data module (`data.format` in group
 * 'data_format', the transform lists from `transforms`), the backbone
 * (`model.name`), the ClassificationModule (its loss, optimizer and
 * scheduler by name), callbacks and loggers (`callbacks` / `logging` map
 * registered names to options) and the Trainer. Importing this module loads
 * libtorch: commands import it dynamically, after the config has composed.
 *
 * @example
 * const { loadComponents, validateRunConfig, buildDataModule } = await import('./run-builder.js');
 * await loadComponents();
 * const options = validateRunConfig(config, sources);
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConfigObject, SourceMap } from '../config/index.js';
import { configSchemaFor, fullConfigSchema, validateConfig } from '../config/index.js';
import type { ImageClassificationDataModule } from '../data/index.js';
import { ClassificationModule } from '../models/index.js';
import { registry } from '../registry.js';
import { manualSeed } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { Trainer, trainerOptionsSchema } from '../training/index.js';
import type { Callback, Logger } from '../training/index.js';

/**
 * Imports every module that registers components (models, losses,
 * optimizers, data formats, transforms, callbacks, loggers), then the
 * user's plugin modules (files or package names), which register their own
 * the same way and become selectable from the config.
 */
export async function loadComponents(plugins: readonly string[] = []): Promise<void> {
  await Promise.all([import('../models/index.js'), import('../data/index.js'), import('../training/index.js')]);
  for (const plugin of plugins) {
    const local = plugin.startsWith('.') || path.isAbsolute(plugin) || existsSync(plugin);
    await import(local ? pathToFileURL(path.resolve(plugin)).href : plugin);
  }
}

/** A validated config: defaults filled in by each component's schema. */
export interface RunOptions {
  model: Section;
  data: Section;
  transforms?: Section;
  loss: Section;
  optimizer: Section;
  scheduler: Section;
  trainer: Section;
  callbacks?: Section;
  logging?: Section;
  run: Section;
  ckptPath: string | null;
}
type Section = Record<string, unknown>;

/** Validates the whole config against the registry's schemas of the components it names (every issue at once). */
export function validateRunConfig(config: ConfigObject, sources: SourceMap): RunOptions {
  return validateConfig(config, configSchemaFor(config, { registry, trainer: trainerOptionsSchema }), sources) as unknown as RunOptions;
}

/** The JSON-Schema-able schema of every config the registry can build. */
export function runConfigSchema() {
  return fullConfigSchema({ registry, trainer: trainerOptionsSchema });
}

const without = (o: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
const withoutNulls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));

/** The data module of `data.format` with the `transforms` lists. */
export function buildDataModule(options: RunOptions): ImageClassificationDataModule {
  const { data, transforms } = options;
  const own = without(data, ['format', 'numClasses', 'imageSize', 'resizeSize']);
  const lists = (transforms ?? {}) as { train?: unknown[]; eval?: unknown[] };
  return registry.build<ImageClassificationDataModule>('data_format', String(data.format), {
    ...own,
    ...(lists.train === undefined ? {} : { trainTransforms: lists.train }),
    ...(lists.eval === undefined ? {} : { evalTransforms: lists.eval }),
  });
}

/**
 * The backbone and its ClassificationModule; null class counts come from the data module (set up for `fit` first).
 * With `trainer.seed` set the initial weights come from that seed (as `seed_everything` before building the model
 * does), so two runs of one config start alike, whichever machines and processes they run on.
 */
export function buildModule(options: RunOptions, dm: ImageClassificationDataModule): ClassificationModule {
  const seed = options.trainer.seed;
  if (typeof seed === 'number') manualSeed(seed);
  const classNames = dm.stagesDone.size > 0 ? [...dm.idxToClass] : undefined;
  const numClasses = (options.model.numClasses as number | null) ?? (options.data.numClasses as number | null) ?? classNames?.length;
  const { name, ...modelOptions } = withoutNulls(options.model);
  const backbone = registry.build<Module>('model', String(name), { ...modelOptions, numClasses });
  return new ClassificationModule(backbone, {
    numClasses: numClasses!,
    ...(classNames !== undefined && classNames.length === numClasses ? { classNames } : {}),
    loss: options.loss,
    optimizer: options.optimizer,
    scheduler: options.scheduler,
  });
}

/** Builds each `{ name: options }` entry of a callbacks / logging section (a labelled entry names its component in `name`). */
function buildNamed<T>(group: 'callback' | 'logger', section: Record<string, unknown> | undefined): T[] {
  return Object.entries(section ?? {}).map(([key, o]) => {
    const { name = key, ...options } = (o ?? {}) as { name?: string };
    return registry.build<T>(group, name, options);
  });
}

/** The Trainer with the config's callbacks and loggers, writing into `runDir`; its log lines go to stderr (results go to stdout). */
export function buildTrainer(options: RunOptions, runDir: string, config: unknown): Trainer {
  const trainer = new Trainer({
    ...options.trainer,
    defaultRootDir: runDir,
    callbacks: buildNamed<Callback>('callback', options.callbacks),
    logger: buildNamed<Logger>('logger', options.logging),
    config,
  });
  // The progress bar (on stderr) routes the lines itself.
  if (!trainer.callbacks.some((c) => c.printer !== null)) trainer.setPrinter((m) => console.error(m));
  return trainer;
}
