/**
 * `Trainer`: Lightning's Trainer in TypeScript. It drives a
 * `ClassificationModule` through fit, validate, test and predict, handing the
 * work to small loops (fit → epoch → batch → optimization step, see
 * `loops/`), calling every hook from one place, collecting what is logged,
 * writing loggers and checkpoints, and resuming exactly.
 *
 * @example
 * const trainer = new Trainer({ maxEpochs: 10, precision: 'bf16-mixed', seed: 42, callbacks: [new EarlyStopping({ monitor: 'val/loss' })] });
 * await trainer.fit(module, dm);
 * await trainer.fit(module, dm, { ckptPath: 'last' });   // resume where it stopped
 * const [metrics] = await trainer.test(module, dm, { ckptPath: 'best' });
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { ImageClassificationDataModule } from '../data/datamodule.js';
import { coresPerRank, localWorldSize } from '../data/parallelism.js';
import type { DataLoader } from '../data/data-loader.js';
import type { ClassificationModule, LogOptions } from '../models/classification-module.js';
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
import { runPredict } from './loops/predict-loop.js';
import { Precision } from './precision.js';
import { profile, SimpleProfiler } from './profiler.js';
import { SchedulerStepper } from './scheduler-stepper.js';
import { SignalGuard } from './signal-guard.js';
import type { DdpStrategy } from './strategies/ddp-strategy.js';
import { evalLoaderOverrides, joinRun, launchWorkers, needsLaunch, rankError, RUN_DIR_ENV } from './strategies/ddp-connector.js';
import { parseTrainerOptions } from './trainer-options.js';
import type { TrainerOptions, TrainerOptionsInput } from './trainer-options.js';
import type { EpochRecord, TrainerView } from './trainer-view.js';

/** What the Trainer's constructor takes: its options plus callbacks, loggers and the run's config. */
export interface TrainerInput extends TrainerOptionsInput {
  callbacks?: Callback[];
  /** Loggers; true or undefined: CSV + TensorBoard + console; false: none. */
  logger?: Logger[] | boolean;
  /** The resolved config of the run (saved in checkpoints, fingerprinted for resume). */
  config?: unknown;
}

/** Where a run is: the epoch to run and the train batches of it already done. */
export interface Progress {
  epoch: number;
  batchInEpoch: number;
}

function timestampDir(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return path.join(
    'outputs',
    `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`,
    `${p(now.getHours())}-${p(now.getMinutes())}-${p(now.getSeconds())}`,
  );
}

/** Drives a ClassificationModule; see the module doc. */
export class Trainer implements TrainerView {
  readonly options: TrainerOptions;
  callbacks: Callback[];
  loggers: Logger[];
  readonly config: unknown;
  readonly runDir: string;
  /** The data-parallel strategy of a worker (null: one process). */
  ddp: DdpStrategy | null = null;

  // ---- run state, read by hooks through TrainerView and written by the loops ----
  stage: TrainerStage = 'fit';
  currentEpoch = 0;
  globalStep = 0;
  batchIdx = 0;
  progress: Progress = { epoch: 0, batchInEpoch: 0 };
  numTrainBatches = 0;
  sanityChecking = false;
  callbackMetrics: Record<string, number> = {};
  history: EpochRecord[] = [];
  stopReason: string | null = null;
  /** The seed this run uses (options.seed, or the resumed run's, or a random one). */
  seed = 0;
  device: 'cpu' | 'cuda' = 'cpu';
  channelsLast = false;

  // ---- what the loops use ----
  module: ClassificationModule | null = null;
  dataModule: ImageClassificationDataModule | null = null;
  optimizer: Optimizer | null = null;
  stepper: SchedulerStepper | null = null;
  precision: Precision;
  hooks: HookDispatcher | null = null;
  trainLoader: DataLoader | null = null;
  valLoader: DataLoader | null = null;
  readonly collector = new LogCollector();
  /** Times the run's actions with `profiler: 'simple'` (null: nothing is timed). */
  readonly profiler: SimpleProfiler | null;
  signals: SignalGuard | null = null;
  #printer: (message: string) => void = (m) => console.log(m);
  /** Loggers append after the first stage of this Trainer (fit, then test, say). */
  #loggersUsed = false;

  constructor(input: TrainerInput = {}) {
    const { callbacks, logger, config, ...options } = input;
    this.options = parseTrainerOptions(options);
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

  // ---- TrainerView ----
  get isGlobalZero(): boolean {
    return this.ddp?.isGlobalZero ?? true;
  }
  get maxEpochs(): number | null {
    const o = this.options;
    if (o.fastDevRun !== false) return 1;
    return o.maxEpochs ?? (o.maxSteps === null && o.maxTime === null ? 1000 : null);
  }
  get maxSteps(): number | null {
    const fast = this.options.fastDevRun;
    return fast === false ? this.options.maxSteps : fast === true ? 1 : fast;
  }
  /** Names logged with `progBar: true`, for the progress bar. */
  get progressBarMetrics(): readonly string[] {
    return [...this.collector.progBarNames];
  }
  get shouldStop(): boolean {
    return this.stopReason !== null;
  }
  stop(reason: string): void {
    if (this.stopReason === null) this.print(`Trainer: stopping: ${reason}`);
    this.stopReason ??= reason;
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
  logStep(): LogStep {
    return { step: this.globalStep, epoch: this.currentEpoch };
  }

  async saveCheckpoint(file: string): Promise<void> {
    const module = this.#need(this.module, 'saveCheckpoint');
    const checkpoint = buildCheckpoint(this, module);
    try {
      await this.hooks?.call('onSaveCheckpoint', this, checkpoint);
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
  async fit(
    module: ClassificationModule,
    dataModule: ImageClassificationDataModule,
    options: { ckptPath?: string | null } = {},
  ): Promise<void> {
    if (needsLaunch(this)) return launchWorkers(this, module);
    const resuming = Boolean(options.ckptPath);
    await this.#run('fit', module, dataModule, { resuming }, async () => {
      await dataModule.setup('fit');
      const resumed = options.ckptPath
        ? resolveCheckpoint(options.ckptPath, path.join(this.runDir, 'checkpoints'), (m) => this.print(m))
        : null;
      try {
        this.seed = resumed?.checkpoint.seed ?? this.options.seed ?? (this.ddp !== null ? 0 : Math.floor(Math.random() * 2 ** 32));
        torch.manualSeed(this.seed);
        // Loaders are built once per fit, with the run's seed and the model's memory format. Each rank
        // reads its own shard, with its own augmentation stream.
        const ddp = this.ddp;
        this.trainLoader = dataModule.trainLoader({
          seed: this.seed + (ddp?.rank ?? 0) * 7919,
          channelsLast: this.channelsLast,
          ...(ddp !== null
            ? { sampler: (base, length) => ddp.sampler(length, { seed: this.seed, shuffle: true, ...(base !== null ? { base } : {}) }) }
            : {}),
        });
        this.valLoader = dataModule.val !== null ? dataModule.valLoader(evalLoaderOverrides(this)) : null;
        if (module.hparams.loss.useClassWeights) module.setClassWeights(dataModule.classWeights());
        this.#configureOptimizers(module);
        if (resumed !== null) await this.#restore(resumed, module, { training: true });
        this.ddp?.setupModule(module);
      } finally {
        if (resumed !== null) disposeCheckpoint(resumed.checkpoint);
      }
      this.signals = this.options.handleSignals
        ? new SignalGuard(
            (s) => this.stop(`received ${s}`),
            (m) => this.print(m),
          )
        : null;
      this.signals?.install();
      await this.hooks?.call('onFitStart', this);
      await runFitLoop(this);
      await this.hooks?.call('onFitEnd', this);
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
    module: ClassificationModule,
    dataModule: ImageClassificationDataModule,
    options: { ckptPath?: string | null } = {},
  ): Promise<Record<string, number>[]> {
    return this.#evaluate('validate', module, dataModule, options.ckptPath ?? null);
  }

  /** Runs the test split once; returns the epoch metrics. @example const [m] = await trainer.test(module, dm, { ckptPath: 'best' }); */
  async test(
    module: ClassificationModule,
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
    module: ClassificationModule,
    dataModule: ImageClassificationDataModule,
    options: { paths: readonly string[]; ckptPath?: string | null },
  ): Promise<{ path: string; probs: number[]; pred: number }[]> {
    let out: { path: string; probs: number[]; pred: number }[] = [];
    await this.#run('predict', module, dataModule, { resuming: false }, async () => {
      await dataModule.setup('predict');
      if (options.ckptPath) await this.#restoreWeights(options.ckptPath, module);
      out = await runPredict(this, dataModule.predictLoader(options.paths, { channelsLast: this.channelsLast }), options.paths);
    });
    return out;
  }

  async #evaluate(
    stage: 'validate' | 'test',
    module: ClassificationModule,
    dm: ImageClassificationDataModule,
    ckptPath: string | null,
  ): Promise<Record<string, number>[]> {
    let metrics: Record<string, number> = {};
    await this.#run(stage, module, dm, { resuming: false }, async () => {
      await dm.setup(stage);
      if (ckptPath) await this.#restoreWeights(ckptPath, module);
      const loader = stage === 'test' ? dm.testLoader(evalLoaderOverrides(this)) : dm.valLoader(evalLoaderOverrides(this));
      metrics = await runEvaluation(this, stage === 'test' ? 'test' : 'val', loader);
    });
    return [metrics];
  }

  /** Shared set-up and tear-down of every stage: threads, device, loggers, hooks, failure handling. */
  async #run(
    stage: TrainerStage,
    module: ClassificationModule,
    dm: ImageClassificationDataModule,
    run: { resuming: boolean },
    body: () => Promise<void>,
  ): Promise<void> {
    this.stage = stage;
    this.module = module;
    this.dataModule = dm;
    this.stopReason = null;
    if (stage === 'fit' && this.options.strategy === 'ddp') this.#joinRun();
    this.profiler?.reset();
    this.hooks = new HookDispatcher(module, this.callbacks, this.profiler);
    const env = Number(process.env.OMP_NUM_THREADS);
    // Without a number: OMP_NUM_THREADS, else this rank's share of the cores (ranks on one machine split them).
    torch.setNumThreads(
      this.options.numThreads ??
        (Number.isInteger(env) && env > 0
          ? Math.min(env, 4 * availableParallelism())
          : coresPerRank(availableParallelism(), localWorldSize())),
    );
    module.to({ device: this.device, memoryFormat: this.channelsLast ? 'channelsLast' : 'contiguous' });
    torch.useDeterministicAlgorithms(this.options.deterministic);
    let status: RunStatus = 'success';
    try {
      for (const logger of this.loggers) await logger.setup?.(this.runDir, { resumed: run.resuming || this.#loggersUsed });
      this.#loggersUsed = true;
      await this.hooks.call('setup', this, stage);
      await body();
      await this.signals?.settle();
      if (this.signals?.received) status = 'interrupted';
    } catch (error) {
      status = 'failed';
      this.collector.clear();
      await this.hooks.call('onException', this, error).catch(() => undefined);
      throw rankError(this, error);
    } finally {
      // Rank 0 alone reports the profile; the rank is gone once the process group is released below.
      const reportsProfile = this.isGlobalZero;
      this.signals?.uninstall();
      this.signals = null;
      this.ddp?.dispose();
      this.ddp = null;
      await this.hooks.call('teardown', this, stage).catch(() => undefined);
      for (const logger of this.loggers) await logger.finalize(status);
      if (reportsProfile) this.#reportProfile(stage);
    }
  }

  /** Prints the profiler's report and writes it to `<runDir>/profile-<stage>.txt`. */
  #reportProfile(stage: TrainerStage): void {
    if (this.profiler === null) return;
    const report = this.profiler.summary(stage.toUpperCase());
    process.stderr.write(`${report}\n`);
    try {
      mkdirSync(this.runDir, { recursive: true });
      writeFileSync(path.join(this.runDir, `profile-${stage}.txt`), `${report}\n`);
    } catch (error) {
      this.print(`Trainer: could not write the profiler report to ${this.runDir}: ${(error as Error).message}`);
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

  #configureOptimizers(module: ClassificationModule): void {
    const limit = this.options.limitTrainBatches;
    const loaderBatches = this.#need(this.trainLoader, 'fit').length;
    this.numTrainBatches =
      limit === null
        ? loaderBatches
        : limit > 0 && limit < 1
          ? Math.max(1, Math.floor(limit * loaderBatches))
          : Math.min(limit, loaderBatches);
    if (this.options.fastDevRun !== false) this.numTrainBatches = Math.min(this.numTrainBatches, this.maxSteps ?? 1);
    const stepsPerEpoch = Math.max(1, Math.ceil(this.numTrainBatches / this.options.accumulateGradBatches));
    const maxEpochs = this.maxEpochs ?? Math.max(1, Math.ceil((this.maxSteps ?? stepsPerEpoch) / stepsPerEpoch));
    this.optimizer?.dispose();
    const config = module.configureOptimizers({ maxEpochs, stepsPerEpoch });
    this.optimizer = config.optimizer;
    this.stepper = new SchedulerStepper({ scheduler: config.scheduler, interval: config.interval });
  }

  async #restore(
    resolved: { path: string; checkpoint: Checkpoint },
    module: ClassificationModule,
    options: { training: boolean },
  ): Promise<void> {
    const { path: file, checkpoint } = resolved;
    restoreCheckpoint(this, module, checkpoint, { training: options.training, file });
    await this.hooks?.call('onLoadCheckpoint', this, checkpoint);
    this.print(`Trainer: restored ${file} (epoch ${checkpoint.epoch}, batch ${checkpoint.batchInEpoch}, step ${checkpoint.globalStep})`);
  }

  async #restoreWeights(ckptPath: string, module: ClassificationModule): Promise<void> {
    const resolved = resolveCheckpoint(ckptPath, path.join(this.runDir, 'checkpoints'), (m) => this.print(m));
    try {
      await this.#restore(resolved, module, { training: false });
    } finally {
      disposeCheckpoint(resolved.checkpoint);
    }
  }

  #need<T>(value: T | null, what: string): T {
    if (value === null) throw new TrainingError(`Trainer: expected ${what} to run inside fit/validate/test/predict, but no run is active`);
    return value;
  }
}
