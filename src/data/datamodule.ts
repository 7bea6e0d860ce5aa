/**
 * `ImageClassificationDataModule`: everything the Trainer needs from data,
 * in one object, as a Lightning `LightningDataModule` gives it: the splits
 * (image folder, JSONL annotations or IDX files; a stratified val split when
 * there is none), the class names, the train and eval pipelines (separate),
 * the loaders, class weights and the labels mapping for export.
 *
 * @example
 * const dm = new ImageClassificationDataModule({ root: 'fashion-mnist', batchSize: 128 });
 * await dm.setup('fit');
 * dm.numClasses;                      // 10
 * for await (const batch of dm.trainLoader().epoch(0)) { ... }
 */
import { availableParallelism } from 'node:os';
import { DataError } from '../errors.js';
import { classCounts, classWeights, positiveWeights } from './class-stats.js';
import { DataLoader } from './data-loader.js';
import type { DataLoaderOptions } from './data-loader.js';
import { CutMix } from './transforms/cutmix.js';
import { MixUp } from './transforms/mixup.js';
import { classToIdxOf, PathListDataset, Subset } from './dataset.js';
import type { ImageDataset } from './dataset.js';
import { defaultTransforms, parseDataModuleOptions } from './datamodule-options.js';
import type { DataModuleInput, DataModuleOptions } from './datamodule-options.js';
import { warnClassesWithoutSamples } from './datasets/classes-without-samples.js';
import { FASHION_MNIST_DIR } from './datasets/idx-dataset.js';
import type { SplitName } from './datasets/image-folder.js';
import type { LabelsMappingOptions } from './labels-mapping.js';
import { writeLabelsMapping } from './labels-mapping.js';
import { localWorldSize, resolveParallelism } from './parallelism.js';
import type { Parallelism } from './parallelism.js';
import { WeightedRandomSampler, inverseFrequencyWeights, rareLabelWeights } from './samplers/weighted-random-sampler.js';
import type { Sampler } from './samplers/sampler.js';
import { hasValSplit, inMemorySize, loadSplit } from './split-loader.js';
import type { DataFormat } from './split-loader.js';
import { stratifiedSplit } from './stratified-split.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';
import { applyBadFilePolicy, verifyImages } from './verify-images.js';
import { WorkerPipeline } from './worker-pipeline.js';
import { detectFormat } from './split-loader.js';

/** Lightning's stages. */
export type Stage = 'fit' | 'validate' | 'test' | 'predict';
type Format = DataFormat;

export { detectFormat } from './split-loader.js';

/** What the Trainer sets on the loaders it builds: its seed and the model's memory format. */
export interface LoaderOverrides {
  seed?: number;
  channelsLast?: boolean;
  /**
   * This process's share of the split (data-parallel runs): for train, wraps the
   * train sampler (null: plain shuffling); for val / test, `base` is null and the
   * result replaces the in-order sampler.
   */
  sampler?: (base: Sampler | null, length: number) => Sampler;
}

/** Splits, pipelines and loaders of an image-classification data set. */
export class ImageClassificationDataModule {
  readonly options: DataModuleOptions;
  train: ImageDataset | null = null;
  val: ImageDataset | null = null;
  test: ImageDataset | null = null;
  #format: Format | null = null;
  #classes: readonly string[] | null = null;
  #fullTrain: ImageDataset | null = null;
  readonly #stagesDone = new Set<Stage>();
  #pipelines: { train: ImagePipeline | WorkerPipeline; eval: ImagePipeline } | null = null;
  #parallelism: Parallelism | null = null;
  readonly #onWarning: (message: string) => void;

  /**
   * Validates the options (a ConfigError lists every problem); reads nothing yet.
   *
   * @example
   * new ImageClassificationDataModule({ root: 'data/pets', sampler: 'weighted' }, { onWarning: log.warn });
   */
  constructor(options: DataModuleInput = {}, hooks: { onWarning?: (message: string) => void } = {}) {
    this.options = parseDataModuleOptions(options);
    this.#onWarning = hooks.onWarning ?? ((m) => console.warn(m));
  }

  /** The folder the data is read from (`fashion-mnist` resolves to Debian's package). */
  get root(): string {
    return this.options.root === 'fashion-mnist' ? FASHION_MNIST_DIR : this.options.root;
  }

  get format(): Format {
    return this.#need(this.#format, 'format');
  }
  get channels(): 1 | 3 {
    return this.options.channels ?? (this.#inMemory ? 1 : 3);
  }
  /** Multi-hot batches of label sets (a `task: multilabel` run), else class indices. */
  get multiLabel(): boolean {
    return this.options.multiLabel;
  }
  /** Images built in memory from IDX files, not read from image files. */
  get #inMemory(): boolean {
    return this.format === 'idx' || this.format === 'mosaic';
  }
  get idxToClass(): readonly string[] {
    return this.#need(this.#classes, 'idxToClass');
  }
  get classToIdx(): Record<string, number> {
    return classToIdxOf(this.idxToClass);
  }
  get numClasses(): number {
    return this.idxToClass.length;
  }

  /** The train and eval pipelines (built by setup). */
  get pipelines(): { train: ImagePipeline | WorkerPipeline; eval: ImagePipeline } {
    return this.#need(this.#pipelines, 'pipelines');
  }

  /**
   * The worker threads and samples in flight the loaders use (built by setup): the options' numbers,
   * or what `'auto'` chose for this pipeline and machine.
   *
   * @example
   * await dm.setup('fit'); dm.parallelism; // { workers: 8, concurrency: 32 } with TrivialAugmentWide on 8 cores
   */
  get parallelism(): Parallelism {
    return this.#need(this.#parallelism, 'parallelism');
  }

  /** Ends the train pipeline's worker threads, if any. */
  async close(): Promise<void> {
    if (this.#pipelines?.train instanceof WorkerPipeline) await this.#pipelines.train.close();
  }

  /**
   * Reads the splits a stage needs: `fit` train + val, `validate` val,
   * `test` test, `predict` only the class names. Calling it again is cheap.
   *
   * @example
   * await dm.setup('test'); dm.testLoader();
   */
  async setup(stage: Stage = 'fit'): Promise<void> {
    this.#format ??= this.options.format === 'auto' ? await detectFormat(this.root) : this.options.format;
    this.#pipelines ??= this.#buildPipelines();
    if (this.#fullTrain === null) {
      this.#fullTrain = await this.#load('train');
      this.#classes = this.#fullTrain.classes;
    }
    // Stages are tracked, not inferred from which splits exist: setup('test') before setup('fit')
    // must still give fit its train/val split.
    const fitting = stage === 'fit' || stage === 'validate';
    if (fitting && !this.#stagesDone.has('fit')) {
      await this.#setupFit(this.#fullTrain);
      if (this.val === null && this.options.valFraction === 0)
        this.#onWarning('data: no val split and valFraction is 0: validation is off');
    } else if (this.train === null) {
      this.train = this.#fullTrain;
    }
    if (stage === 'test' && this.test === null) this.test = await this.#verified(await this.#load('test', this.idxToClass), 'test');
    this.#stagesDone.add(fitting ? 'fit' : stage);
  }

  /** The stages `setup` has prepared ('validate' counts as 'fit'). */
  get stagesDone(): ReadonlySet<Stage> {
    return this.#stagesDone;
  }

  async #setupFit(full: ImageDataset): Promise<void> {
    const { valFraction, seed } = this.options;
    if (await hasValSplit(this.format, this.root)) {
      this.train = await this.#verified(full, 'train');
      this.val = await this.#verified(await this.#load('val', full.classes), 'val');
    } else if (valFraction > 0) {
      const verified = await this.#verified(full, 'train');
      const split = stratifiedSplit({ targets: verified.targets, fraction: valFraction, seed });
      this.train = new Subset(verified, split.train);
      this.val = new Subset(verified, split.val);
    } else {
      this.train = await this.#verified(full, 'train');
    }
    if (this.val !== null) warnClassesWithoutSamples(this.val, { split: 'val', all: full, onWarning: this.#onWarning });
  }

  async #load(split: SplitName, classes?: readonly string[]): Promise<ImageDataset> {
    const { multiLabel, labelSeparator: separator } = this.options;
    return loadSplit({ format: this.format, root: this.root, split, classes, multiLabel, separator, onWarning: this.#onWarning });
  }

  async #verified(dataset: ImageDataset, split: string): Promise<ImageDataset> {
    if (!this.options.verify || this.#inMemory) return dataset;
    const bad = await verifyImages(dataset, { decode: { channels: this.channels }, concurrency: this.parallelism.concurrency });
    if (bad.length > 0) this.#onWarning(`data: ${bad.length} unreadable file(s) in ${split}`);
    return applyBadFilePolicy(dataset, bad, {
      policy: this.options.badFiles,
      maxSkipFraction: this.options.maxSkipFraction,
      onWarning: this.#onWarning,
    });
  }

  #buildPipelines(): { train: ImagePipeline | WorkerPipeline; eval: ImagePipeline } {
    const defaults = defaultTransforms(this.format, this.channels);
    const decode = { channels: this.channels };
    const trainEntries = this.options.trainTransforms ?? defaults.train;
    const local = new ImagePipeline({ transforms: buildTransforms(trainEntries), decode });
    const source = this.#inMemory ? 'pixels' : 'file';
    this.#parallelism = resolveParallelism({
      workers: this.options.workers,
      concurrency: this.options.concurrency,
      jsThreadSteps: local.jsThreadSteps(source),
      source,
      cores: availableParallelism(),
      // Ranks of a data-parallel run on this machine split its cores.
      localWorldSize: localWorldSize(),
    });
    const { workers } = this.#parallelism;
    return {
      train: workers > 0 ? new WorkerPipeline({ transforms: trainEntries, decode, workers }) : local,
      eval: new ImagePipeline({ transforms: buildTransforms(this.options.evalTransforms ?? defaults.eval), decode }),
    };
  }

  /**
   * Shuffled (or class-balanced with `sampler: 'weighted'`) training batches.
   *
   * @example
   * for await (const { images, labels } of dm.trainLoader().epoch(epoch)) { ... }
   */
  trainLoader(overrides: LoaderOverrides = {}): DataLoader {
    const train = this.#need(this.train, 'trainLoader');
    const seed = overrides.seed ?? this.options.seed;
    return this.#loader(train, overrides, {
      pipeline: this.pipelines.train,
      batchSize: this.options.batchSize,
      dropLast: this.options.dropLast,
      shuffle: true,
      sampler: this.#trainSampler(train, seed, overrides),
      batchMix: this.#batchMix(),
      cache: this.options.cache === false ? null : this.options.cache.maxBytes,
    });
  }

  /** MixUp / CutMix as the options ask (with both, a fair choice per batch from the batch's stream). */
  #batchMix(): DataLoaderOptions['batchMix'] {
    const o = this.options.batchMix;
    if (o === null || (o.mixup === null && o.cutmix === null)) return null;
    const numClasses = this.numClasses;
    const mixup = o.mixup === null ? null : new MixUp({ alpha: o.mixup.alpha, numClasses });
    const cutmix = o.cutmix === null ? null : new CutMix({ alpha: o.cutmix.alpha, numClasses });
    return {
      apply: (batch, rng) => {
        const chosen = mixup !== null && cutmix !== null ? (rng.random() < 0.5 ? mixup : cutmix) : (mixup ?? cutmix)!;
        return chosen.apply(batch, rng);
      },
    };
  }

  #trainSampler(train: ImageDataset, seed: number, overrides: LoaderOverrides): Sampler | undefined {
    const weights = () =>
      train.labelSets === undefined ? inverseFrequencyWeights(train.targets) : rareLabelWeights(train.labelSets, this.numClasses);
    const base = this.options.sampler === 'weighted' ? new WeightedRandomSampler({ weights: weights(), seed }) : null;
    if (overrides.sampler !== undefined) return overrides.sampler(base, train.length);
    return base ?? undefined;
  }

  /** Validation batches in order (eval pipeline). */
  valLoader(overrides: LoaderOverrides = {}): DataLoader {
    return this.#evalLoader(this.#need(this.val, 'valLoader (no val split: set valFraction > 0)'), overrides);
  }

  /** Test batches in order (eval pipeline). */
  testLoader(overrides: LoaderOverrides = {}): DataLoader {
    return this.#evalLoader(this.#need(this.test, "testLoader (call setup('test'))"), overrides);
  }

  /**
   * Batches of arbitrary image files (labels -1), through the eval pipeline.
   *
   * @example
   * for await (const { images, indices } of dm.predictLoader(['a.jpg', 'b.png']).epoch()) { ... }
   */
  predictLoader(paths: readonly string[], overrides: LoaderOverrides = {}): DataLoader {
    return this.#evalLoader(new PathListDataset(paths, this.idxToClass), overrides);
  }

  #evalLoader(dataset: ImageDataset, overrides: LoaderOverrides): DataLoader {
    return this.#loader(dataset, overrides, {
      pipeline: this.pipelines.eval,
      batchSize: this.options.evalBatchSize ?? this.options.batchSize,
      ...(overrides.sampler !== undefined ? { sampler: overrides.sampler(null, dataset.length) } : {}),
    });
  }

  #loader(dataset: ImageDataset, overrides: LoaderOverrides, extra: Partial<ConstructorParameters<typeof DataLoader>[0]>): DataLoader {
    const o = this.options;
    return new DataLoader({
      dataset,
      seed: overrides.seed ?? o.seed,
      concurrency: this.parallelism.concurrency,
      prefetch: o.prefetch,
      channelsLast: overrides.channelsLast ?? o.channelsLast,
      badFiles: o.badFiles,
      maxSkipFraction: o.maxSkipFraction,
      onWarning: this.#onWarning,
      ...extra,
    });
  }

  /**
   * Inverse-frequency weights of the train split, summing to numClasses (for a weighted loss).
   *
   * @example
   * torch.crossEntropy(logits, y, { weight: torch.tensor(dm.classWeights()) });
   */
  classWeights(): number[] {
    const train = this.#need(this.train, 'classWeights');
    return classWeights(classCounts(train));
  }

  /**
   * Per-class BCE `posWeight` of the train split, negatives over positives (multi-label).
   *
   * @example
   * torch.binaryCrossEntropyWithLogits(logits, y, { posWeight: torch.tensor(dm.positiveWeights()) });
   */
  positiveWeights(): number[] {
    const train = this.#need(this.train, 'positiveWeights');
    return positiveWeights(classCounts(train), train.length);
  }

  /** What labels_mapping.json records, from the eval transforms. */
  labelsMappingOptions(): LabelsMappingOptions {
    const entries = (this.options.evalTransforms ?? defaultTransforms(this.format, this.channels).eval) as {
      name?: string;
      size?: number | number[];
    }[];
    const sizeOf = (name: string): number | [number, number] | null => {
      const size = entries.findLast((e) => e?.name === name)?.size;
      return size === undefined ? null : typeof size === 'number' ? size : [size[0], size[1]];
    };
    const resize = sizeOf('Resize');
    const crop = sizeOf('CenterCrop');
    const square = (s: number | [number, number]): [number, number] => (typeof s === 'number' ? [s, s] : s);
    let hw: [number, number] | null = crop !== null ? square(crop) : Array.isArray(resize) ? resize : null;
    if (hw === null && this.#fullTrain !== null) hw = inMemorySize(this.#fullTrain);
    if (hw === null)
      throw new DataError(
        'data: expected a CenterCrop or a Resize to [H, W] in evalTransforms to know the model input size, but got neither',
      );
    return {
      classes: this.idxToClass,
      normalization: this.pipelines.eval.normalize,
      inputSize: [this.channels, hw[0], hw[1]],
      resize,
      crop,
    };
  }

  /**
   * Writes `<dir>/labels_mapping.json` (the checkpoint and export code call this).
   *
   * @example
   * await dm.writeLabelsMapping('outputs/run/export');
   */
  async writeLabelsMapping(dir: string): Promise<string> {
    return writeLabelsMapping(dir, this.labelsMappingOptions());
  }

  #need<T>(value: T | null, what: string): T {
    if (value === null) throw new DataError(`data: expected setup() to have run before ${what}, but it has not`);
    return value;
  }
}
