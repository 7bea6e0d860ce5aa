/**
 * `Trainer`: Lightning's Trainer in TypeScript. It drives any
 * `TrainableModule` (a `ClassificationModule`, or a module of your own)
 * through fit, validate, test and predict, handing the work to small loops
 * (fit → epoch → batch → optimization step, see `loops/`) that own the run's
 * progress, calling every hook from one place, collecting what is logged,
 * writing loggers and checkpoints, and resuming exactly. The Trainer only
 * reads the progress (`currentEpoch`, `globalStep`, ...).
 *
 * @example
 * const trainer = new Trainer({ maxEpochs: 10, precision: 'bf16-mixed', seed: 42, callbacks: [new EarlyStopping({ monitor: 'val/loss' })] });
 * await trainer.fit(module, dm);
 * await trainer.fit(module, dm, { ckptPath: 'last' });   // resume where it stopped
 * const [metrics] = await trainer.test(module, dm, { ckptPath: 'best' });
 */
import path from 'node:path';
import type { ImageClassificationDataModule } from '../data/datamodule.js';
import type { DataLoader } from '../data/data-loader.js';
import type { LogOptions } from '../metrics/log-entry.js';
import { TrainingError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import type { Callback, TrainerStage } from './callback.js';
import { buildCheckpoint, disposeCheckpoint, resolveCheckpoint, restoreCheckpoint } from './checkpoint/checkpoint-connector.js';
import type { Checkpoint } from './checkpoint/checkpoint.js';
import { writeCheckpoint } from './checkpoint/checkpoint-io.js';
import { defaultCallbacks, defaultLoggers } from './defaults.js';
import { HookDispatcher } from './hook-dispatcher.js';
import { LogCollector } from './log-collector.js';
import type { Logger, LogStep, RunStatus } from './logger.js';
import { runEvaluation } from './loops/evaluation-loop.js';
import { runFitLoop } from './loops/fit-loop.js';
import { FitProgress } from './loops/fit-progress.js';
import type { Progress } from './loops/fit-progress.js';
import type { StageContext } from './loops/loop-context.js';
import { runPredict } from './loops/predict-loop.js';
import { Precision } from './precision.js';
import { profile, SimpleProfiler } from './profiler.js';
import { SchedulerStepper } from './scheduler-stepper.js';
import { SignalGuard } from './signal-guard.js';
import { reportProfile, setStageThreads } from './stage-environment.js';
import type { DdpStrategy } from './strategies/ddp-strategy.js';
import { evalLoaderOverrides, joinRun, launchWorkers, needsLaunch, rankError, RUN_DIR_ENV } from './strategies/ddp-connector.js';
import type { TrainableModule } from './trainable-module.js';
import { parseTrainerOptions, resolveTrainerOptions, trainBatches } from './trainer-options.js';
import type { ResolvedTrainerOptions, TrainerOptionsInput } from './trainer-options.js';
import type { EpochRecord, TrainerView } from './trainer-view.js';

/** What the Trainer's constructor takes: its options plus callbacks, loggers and the run's config. */
export interface TrainerInput extends TrainerOptionsInput {
  callbacks?: Callback[];
  /** Loggers; true or undefined: CSV + TensorBoard + console; false: none. */
  logger?: Logger[] | boolean;
  /** The resolved config of the run (saved in checkpoints, fingerprinted for resume). */
  config?: unknown;
}

export type { Progress } from './loops/fit-progress.js';

function timestampDir(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return path.join(
    'outputs',
    `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`,
    `${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`,
  );
}

/** Drives a TrainableModule; see the module doc. */
export class Trainer implements TrainerView {
  /** The options with the debug flags settled (`fastDevRun`, limits, epochs and steps). */
  readonly options: ResolvedTrainerOptions;
  callbacks: Callback[];
  loggers: Logger[];
  readonly config: unknown;
  readonly runDir: string;
  /** The data-parallel strategy of a worker (null: one process). */
  ddp: DdpStrategy | null = null;

  readonly device: 'cpu' | 'cuda';
  readonly channelsLast: boolean;
  readonly precision: Precision;
  readonly collector = new LogCollector();
  /** Times the run's actions with `profiler: 'simple'` (null: nothing is timed). */
  readonly profiler: SimpleProfiler | null;

  /** Owned by the loops, which advance it; saved into and restored from checkpoints. */
  readonly #progress = new FitProgress();
  #stage: TrainerStage = 'fit';
  #stopReason: string | null = null;
  #seed = 0;
  #stageContext: StageContext | null = null;
  #dataModule: ImageClassificationDataModule | null = null;
  #optimizer: Optimizer | null = null;
  #stepper: SchedulerStepper | null = null;
  #numTrainBatches = 0;
  #signals: SignalGuard | null = null;
  #printer: (message: string) => void = (m) => console.log(m);
  /** Loggers append after the first stage of this Trainer (fit, then test, say). */
  #loggersUsed = false;

  constructor(input: TrainerInput = {}) {
    const { callbacks, logger, config, ...options } = input;
    this.options = resolveTrainerOptions(parseTrainerOptions(options));
    const o = this.options;
    this.config = config ?? null;
    this.runDir = o.defaultRootDir ?? process.env[RUN_DIR_ENV] ?? timestampDir();
    const quiet = o.fastDevRun !== false;
    this.callbacks = defaultCallbacks(callbacks ?? [], o, quiet);
    // A callback that draws on the console (the progress bar) prints the run's lines around its drawing.
    const printer = this.callbacks.find((c) => c.printer !== null)?.printer ?? null;
    this.loggers =
      quiet || logger === false
        ? []
        : Array.isArray(logger)
          ? logger
          : defaultLoggers((m) => this.print(m), { progressBar: printer !== null });
    const keys = new Set<string>();
    for (const c of this.callbacks) {
      if (keys.has(c.stateKey))
        throw new TypeError(`Trainer: expected callbacks with distinct stateKey values, but got '${c.stateKey}' twice`);
      keys.add(c.stateKey);
    }
    if (printer !== null) this.#printer = printer;
    this.device = o.device === 'auto' ? (torch.cuda.isAvailable() ? 'cuda' : 'cpu') : o.device;
    this.precision = new Precision(o.precision, this.device);
    this.profiler = o.profiler === 'simple' ? new SimpleProfiler() : null;
    this.channelsLast =
      o.memoryFormat === 'channelsLast' || (o.memoryFormat === 'auto' && (this.device === 'cuda' || o.precision !== '32'));
    // As Lightning: sync_batchnorm only acts through a data-parallel strategy (a one-process run has nothing to sync).
    if (o.syncBatchnorm && o.strategy !== 'ddp')
      this.print(`Trainer: syncBatchnorm has no effect with strategy '${o.strategy}'; use strategy ddp`);
  }

  get stage(): TrainerStage {
    return this.#stage;
  }
  /** Why the run was asked to stop (null: it was not). */
  get stopReason(): string | null {
    return this.#stopReason;
  }
  /** The seed this run uses (options.seed, or the resumed run's, or a random one). */
  get seed(): number {
    return this.#seed;
  }

  // ---- TrainerView: the progress, read from the loops' progress ----
  get currentEpoch(): number {
    return this.#progress.currentEpoch;
  }
  get globalStep(): number {
    return this.#progress.globalStep;
  }
  get batchIdx(): number {
    return this.#progress.batchIdx;
  }
  get sanityChecking(): boolean {
    return this.#progress.sanityChecking;
  }
  /** Where a resume would continue: the epoch to run and the train batches of it already done. */
  get progress(): Progress {
    return this.#progress.position;
  }
  get history(): readonly EpochRecord[] {
    return this.#progress.history;
  }
  get callbackMetrics(): Record<string, number> {
    return this.#progress.callbackMetrics;
  }
  get numTrainBatches(): number {
    return this.#numTrainBatches;
  }
  get module(): TrainableModule | null {
    return this.#stageContext?.module ?? null;
  }
  get dataModule(): ImageClassificationDataModule | null {
    return this.#dataModule;
  }
  get optimizer(): Optimizer | null {
    return this.#optimizer;
  }
  get stepper(): SchedulerStepper | null {
    return this.#stepper;
  }
  get isGlobalZero(): boolean {
    return this.ddp?.isGlobalZero ?? true;
  }
  get maxEpochs(): number | null {
    return this.options.maxEpochs;
  }
  get maxSteps(): number | null {
    return this.options.maxSteps;
  }
  /** Names logged with `progBar: true`, for the progress bar. */
  get progressBarMetrics(): readonly string[] {
    return [...this.collector.progBarNames];
  }
  get shouldStop(): boolean {
    return this.#stopReason !== null;
  }
  stop(reason: string): void {
    if (this.#stopReason === null) this.print(`Trainer: stopping: ${reason}`);
    this.#stopReason ??= reason;
  }
  log(name: string, value: Tensor | number, options: LogOptions = {}): void {
    const stored = typeof value === 'number' ? value : torch.keep(value.detach());
    this.collector.add(
      [
        {
          name,
          value: stored,
          onStep: options.onStep ?? this.stage === 'fit',
          onEpoch: options.onEpoch ?? this.stage !== 'fit',
          progBar: options.progBar ?? false,
        },
      ],
      this.logStep(),
    );
  }
  print(message: string): void {
    if (this.isGlobalZero) this.#printer(message);
  }
  /** Routes `print` (a callback's `printer`, the progress bar's, is installed at construction so lines do not tear the bar). */
  setPrinter(printer: (message: string) => void): void {
    this.#printer = printer;
  }
  /** Where values logged now are filed: the global step and the epoch. */
  logStep(): LogStep {
    return { step: this.globalStep, epoch: this.currentEpoch };
  }

  async saveCheckpoint(file: string): Promise<void> {
    const context = this.#need(this.#stageContext, 'saveCheckpoint');
    const checkpoint = buildCheckpoint(this, context.module, this.#progress);
    try {
      await context.hooks.call('onSaveCheckpoint', this, checkpoint);
      if (this.isGlobalZero) await profile(this.profiler, 'save_checkpoint', () => writeCheckpoint(checkpoint, file));
    } finally {
      checkpoint.rngState?.dispose();
    }
  }

  // ---- entry points ----

  /**
   * Trains `module` on `dataModule`'s train split, validating on its val split.
   * `ckptPath`: 'last', 'best' or a file to resume from.
   *
   * @example
   * await trainer.fit(module, dm, { ckptPath: 'last' });
   */
  async fit(module: TrainableModule, dataModule: ImageClassificationDataModule, options: { ckptPath?: string | null } = {}): Promise<void> {
    if (needsLaunch(this)) return launchWorkers(this, module);
    const resuming = Boolean(options.ckptPath);
    await this.#run('fit', module, dataModule, { resuming }, async (context) => {
      await dataModule.setup('fit');
      const resumed = options.ckptPath
        ? resolveCheckpoint(options.ckptPath, path.join(this.runDir, 'checkpoints'), (m) => this.print(m))
        : null;
      let loaders: { trainLoader: DataLoader; valLoader: DataLoader | null };
      try {
        this.#seed = resumed?.checkpoint.seed ?? this.options.seed ?? (this.ddp !== null ? 0 : Math.floor(Math.random() * 2 ** 32));
        torch.manualSeed(this.#seed);
        loaders = this.#fitLoaders(dataModule);
        if (module.useClassWeights === true) module.setClassWeights?.(dataModule.classWeights());
        this.#configureOptimizers(module, loaders.trainLoader);
        if (resumed !== null) await this.#restore(context, resumed, { training: true });
        this.ddp?.setupModule(module);
      } finally {
        if (resumed !== null) disposeCheckpoint(resumed.checkpoint);
      }
      this.#signals = this.options.handleSignals
        ? new SignalGuard(
            (s) => this.stop(`received ${s}`),
            (m) => this.print(m),
          )
        : null;
      this.#signals?.install();
      await context.hooks.call('onFitStart', this);
      await runFitLoop({
        ...context,
        ...loaders,
        optimizer: this.#need(this.#optimizer, 'fit'),
        stepper: this.#need(this.#stepper, 'fit'),
        numTrainBatches: this.#numTrainBatches,
        signals: this.#signals,
      });
      await context.hooks.call('onFitEnd', this);
      await this.#logHyperparams();
    });
  }

  /**
   * Once per fit: the run's config (as saved, `${env:...}` unresolved; without
   * one, the Trainer's options) with the final metrics, for TensorBoard's
   * HParams view, `hparams.yaml` and a JSONL line.
   */
  async #logHyperparams(): Promise<void> {
    const config = this.config;
    const params = typeof config === 'object' && config !== null && !Array.isArray(config) ? config : { trainer: this.options };
    for (const logger of this.loggers) await logger.logHyperparams(params as Record<string, unknown>, { ...this.callbackMetrics });
  }

  /** Runs the val split once; returns the epoch metrics. @example const [m] = await trainer.validate(module, dm); */
  async validate(
    module: TrainableModule,
    dataModule: ImageClassificationDataModule,
    options: { ckptPath?: string | null } = {},
  ): Promise<Record<string, number>[]> {
    return this.#evaluate('validate', module, dataModule, options.ckptPath ?? null);
  }

  /** Runs the test split once; returns the epoch metrics. @example const [m] = await trainer.test(module, dm, { ckptPath: 'best' }); */
  async test(
    module: TrainableModule,
    dataModule: ImageClassificationDataModule,
    options: { ckptPath?: string | null } = {},
  ): Promise<Record<string, number>[]> {
    return this.#evaluate('test', module, dataModule, options.ckptPath ?? null);
  }

  /**
   * Predicts class probabilities for image files through the eval pipeline.
   *
   * @example
   * const out = await trainer.predict(module, dm, { paths: ['a.jpg'] }); out[0].probs;
   */
  async predict(
    module: TrainableModule,
    dataModule: ImageClassificationDataModule,
    options: { paths: readonly string[]; ckptPath?: string | null },
  ): Promise<{ path: string; probs: number[]; pred: number }[]> {
    let out: { path: string; probs: number[]; pred: number }[] = [];
    await this.#run('predict', module, dataModule, { resuming: false }, async (context) => {
      await dataModule.setup('predict');
      if (options.ckptPath) await this.#restoreWeights(context, options.ckptPath);
      out = await runPredict(context, dataModule.predictLoader(options.paths, { channelsLast: this.channelsLast }), options.paths);
    });
    return out;
  }

  async #evaluate(
    stage: 'validate' | 'test',
    module: TrainableModule,
    dm: ImageClassificationDataModule,
    ckptPath: string | null,
  ): Promise<Record<string, number>[]> {
    let metrics: Record<string, number> = {};
    await this.#run(stage, module, dm, { resuming: false }, async (context) => {
      await dm.setup(stage);
      if (ckptPath) await this.#restoreWeights(context, ckptPath);
      const loader = stage === 'test' ? dm.testLoader(evalLoaderOverrides(this)) : dm.valLoader(evalLoaderOverrides(this));
      metrics = await runEvaluation(context, stage === 'test' ? 'test' : 'val', loader);
    });
    return [metrics];
  }

  /** Shared set-up and tear-down of every stage: threads, device, loggers, hooks, failure handling. */
  async #run(
    stage: TrainerStage,
    module: TrainableModule,
    dm: ImageClassificationDataModule,
    run: { resuming: boolean },
    body: (context: StageContext) => Promise<void>,
  ): Promise<void> {
    this.#stage = stage;
    this.#dataModule = dm;
    this.#stopReason = null;
    if (stage === 'fit' && this.options.strategy === 'ddp') this.#joinRun();
    this.profiler?.reset();
    const hooks = new HookDispatcher(module, this.callbacks, this.profiler);
    const context: StageContext = { trainer: this, module, hooks, progress: this.#progress };
    this.#stageContext = context;
    setStageThreads(this.options.numThreads);
    module.to({ device: this.device, memoryFormat: this.channelsLast ? 'channelsLast' : 'contiguous' });
    torch.useDeterministicAlgorithms(this.options.deterministic);
    let status: RunStatus = 'success';
    try {
      for (const logger of this.loggers) await logger.setup?.(this.runDir, { resumed: run.resuming || this.#loggersUsed });
      this.#loggersUsed = true;
      await hooks.call('setup', this, stage);
      await body(context);
      await this.#signals?.settle();
      if (this.#signals?.received) status = 'interrupted';
    } catch (error) {
      status = 'failed';
      this.collector.clear();
      await hooks.call('onException', this, error).catch(() => undefined);
      throw rankError(this, error);
    } finally {
      // Rank 0 alone reports the profile; the rank is gone once the process group is released below.
      const reportsProfile = this.isGlobalZero;
      this.#signals?.uninstall();
      this.#signals = null;
      this.ddp?.dispose();
      this.ddp = null;
      await hooks.call('teardown', this, stage).catch(() => undefined);
      for (const logger of this.loggers) await logger.finalize(status);
      if (reportsProfile) reportProfile(this.profiler, stage, this.runDir, (m) => this.print(m));
    }
  }

  /** A worker of a data-parallel run: only rank 0 logs, prints and writes files. */
  #joinRun(): void {
    this.ddp = joinRun(this);
    if (!this.ddp.isGlobalZero) {
      this.loggers = [];
      this.callbacks = this.callbacks.filter((c) => !c.rankZeroOnly);
    }
  }

  /**
   * Loaders are built once per fit, with the run's seed and the model's memory format. Each rank
   * reads its own shard, with its own augmentation stream.
   */
  #fitLoaders(dataModule: ImageClassificationDataModule): { trainLoader: DataLoader; valLoader: DataLoader | null } {
    const ddp = this.ddp;
    const trainLoader = dataModule.trainLoader({
      seed: this.seed + (ddp?.rank ?? 0) * 7919,
      channelsLast: this.channelsLast,
      ...(ddp !== null
        ? { sampler: (base, length) => ddp.sampler(length, { seed: this.seed, shuffle: true, ...(base !== null ? { base } : {}) }) }
        : {}),
    });
    return { trainLoader, valLoader: dataModule.val !== null ? dataModule.valLoader(evalLoaderOverrides(this)) : null };
  }

  #configureOptimizers(module: TrainableModule, trainLoader: DataLoader): void {
    this.#numTrainBatches = trainBatches(this.options, trainLoader.length);
    const stepsPerEpoch = Math.max(1, Math.ceil(this.#numTrainBatches / this.options.accumulateGradBatches));
    const maxEpochs = this.maxEpochs ?? Math.max(1, Math.ceil((this.maxSteps ?? stepsPerEpoch) / stepsPerEpoch));
    this.#optimizer?.dispose();
    const config = module.configureOptimizers({ maxEpochs, stepsPerEpoch });
    this.#optimizer = config.optimizer;
    this.#stepper = new SchedulerStepper({ scheduler: config.scheduler, interval: config.interval });
  }

  async #restore(context: StageContext, resolved: { path: string; checkpoint: Checkpoint }, options: { training: boolean }): Promise<void> {
    const { path: file, checkpoint } = resolved;
    restoreCheckpoint(this, context.module, context.progress, checkpoint, { training: options.training, file });
    await context.hooks.call('onLoadCheckpoint', this, checkpoint);
    this.print(`Trainer: restored ${file} (epoch ${checkpoint.epoch}, batch ${checkpoint.batchInEpoch}, step ${checkpoint.globalStep})`);
  }

  async #restoreWeights(context: StageContext, ckptPath: string): Promise<void> {
    const resolved = resolveCheckpoint(ckptPath, path.join(this.runDir, 'checkpoints'), (m) => this.print(m));
    try {
      await this.#restore(context, resolved, { training: false });
    } finally {
      disposeCheckpoint(resolved.checkpoint);
    }
  }

  #need<T>(value: T | null, what: string): T {
    if (value === null) throw new TrainingError(`Trainer: expected ${what} to run inside fit/validate/test/predict, but no run is active`);
    return value;
  }
}
