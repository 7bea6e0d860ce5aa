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
 * // embedded in a server or an app: stop with an AbortSignal, follow typed events
 * const controller = new AbortController();
 * trainer.on('epochEnd', (e) => send(e.epoch, e.metrics, e.etaMs));
 * const { stopReason } = await trainer.fit(module, dm, { signal: controller.signal });  // 'completed' or 'aborted', ...
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
import { nativeBf16 } from '../export/libtorch-logits.js';
import { describeAutoPrecision, fixedResult, resolveAutoPrecision } from './precision-auto.js';
import type { AutoPrecisionResult } from './precision-auto.js';
import { PrecisionCache } from './precision-cache.js';
import { needsChoice, savedChoice } from './precision-choice.js';
import type { PrecisionEnvironment } from './precision-choice.js';
import { profile, SimpleProfiler } from './profiler.js';
import { SchedulerStepper } from './scheduler-stepper.js';
import { SignalGuard } from './signal-guard.js';
import { reportProfile, setStageThreads } from './stage-environment.js';
import type { DdpStrategy } from './strategies/ddp-strategy.js';
import { evalLoaderOverrides, joinRun, launchWorkers, needsLaunch, rankError, RUN_DIR_ENV } from './strategies/ddp-connector.js';
import type { TrainableModule } from './trainable-module.js';
import { TrainerEventStream } from './trainer-event-stream.js';
import { TrainerEvents } from './trainer-events.js';
import type { FitStopReason, TrainerEventMap, TrainerEventName } from './trainer-events.js';
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
export type { FitStopReason, TrainerEvent, TrainerEventMap, TrainerEventName } from './trainer-events.js';

/** What `fit` takes besides the module and the data. */
export interface FitOptions {
  /** 'last', 'best' or a checkpoint file to resume from. */
  ckptPath?: string | null;
  /**
   * Stops the fit as SIGINT does, without touching the process: the current
   * step finishes, `last.ckpt` is written, the logs are flushed and `fit`
   * resolves with `stopReason: 'aborted'`. An already-aborted signal stops
   * before the first step.
   */
  signal?: AbortSignal;
}

/** How a fit ended (a failed fit rejects instead). */
export interface FitResult {
  /** 'completed': its limits; 'aborted': the AbortSignal; 'signal': SIGINT / SIGTERM; 'stopped': a stop request (early stopping, a Timer). */
  stopReason: Exclude<FitStopReason, 'failed'>;
  /** The stop request's words (`trainer.stopReason`), null when none was made. */
  message: string | null;
  globalStep: number;
  epoch: number;
}

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
  #precision: Precision;
  #precisionChoice: AutoPrecisionResult;
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
  /** The fit's loop ended because its AbortSignal fired (the loggers then finish 'interrupted'). */
  #aborted = false;
  /** Behind `on` and `events()`: dispatched after every other callback, never saved in a checkpoint. */
  readonly #events = new TrainerEvents();
  #printer: (message: string) => void = (m) => console.log(m);
  /** A stage is running (dispose must wait for it). */
  #running = false;
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
    // 'auto' runs by the rule until fit settles it (validate, test and predict keep the rule).
    this.#precisionChoice = fixedResult(o, this.#precisionEnvironment());
    this.#precision = new Precision(this.#precisionChoice.precision, this.device);
    this.profiler = o.profiler === 'simple' ? new SimpleProfiler() : null;
    // As Lightning: sync_batchnorm only acts through a data-parallel strategy (a one-process run has nothing to sync).
    if (o.syncBatchnorm && o.strategy !== 'ddp')
      this.print(`Trainer: syncBatchnorm has no effect with strategy '${o.strategy}'; use strategy ddp`);
  }

  /** How the forward runs and gradients are applied (settled at the start of fit under `precision: auto`). */
  get precision(): Precision {
    return this.#precision;
  }
  /** Whether the model and batches are channels-last (settled with the precision). */
  get channelsLast(): boolean {
    return this.#precisionChoice.memoryFormat === 'channelsLast';
  }
  /** The precision and memory format in use and how they were chosen (probe, cache, rule, resume or configured). */
  get precisionChoice(): AutoPrecisionResult {
    return this.#precisionChoice;
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
    // A resumed `precision: auto` run takes this choice back instead of probing again.
    checkpoint.extra.precisionChoice = { precision: this.#precision.name, memoryFormat: this.#precisionChoice.memoryFormat };
    try {
      await context.hooks.call('onSaveCheckpoint', this, checkpoint);
      if (this.isGlobalZero) await profile(this.profiler, 'save_checkpoint', () => writeCheckpoint(checkpoint, file));
    } finally {
      checkpoint.rngState?.dispose();
    }
    if (this.isGlobalZero && this.stage === 'fit') this.#events.checkpointWritten(this, file);
  }

  /**
   * Releases what the Trainer keeps after a run (the optimizer's state), so a long-lived program
   * that trains one model after another holds no tensors for Trainers it is done with. The
   * module stays the caller's. A later fit builds a new optimizer.
   *
   * @example
   * using trainer = new Trainer({ maxEpochs: 1 });   // or: try { ... } finally { trainer.dispose(); }
   * await trainer.fit(module, dm);
   */
  dispose(): void {
    if (this.#running) throw new TrainingError(`Trainer: expected dispose() after the run, but got it during ${this.#stage}`);
    this.#optimizer?.dispose();
    this.#optimizer = null;
    this.#stepper = null;
  }

  /** `using trainer = new Trainer(...)`: the same as `dispose()` at the end of the scope. @example { using t = new Trainer({}); } */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- events, for a program that embeds training ----

  /**
   * Calls `listener` with every `name` event of the fits that follow (`batchEnd`, `epochEnd`,
   * `validationEnd`, `checkpoint`, `end`); returns the function that removes it. Listeners run
   * synchronously and are not awaited; one that throws fails the run.
   *
   * @example
   * const off = trainer.on('batchEnd', (e) => console.log(e.step, e.throughput, e.etaMs));
   */
  on<N extends TrainerEventName>(name: N, listener: (event: TrainerEventMap[N]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /**
   * Every event of the next fit (or the one running), buffered, until its `end` event. The
   * buffer holds `bufferSize` events (default 1024); past that the oldest `batchEnd` events are
   * dropped (`stream.dropped` counts them), so a slow consumer never stalls training.
   *
   * @example
   * const stream = trainer.events();
   * const run = trainer.fit(module, dm);
   * for await (const e of stream) console.log(e.type, e.step, e.metrics);
   * await run;
   */
  events(options: { bufferSize?: number } = {}): TrainerEventStream {
    return new TrainerEventStream(this.#events, options);
  }

  // ---- entry points ----

  /**
   * Trains `module` on `dataModule`'s train split, validating on its val split, and resolves
   * with why it stopped. `ckptPath`: 'last', 'best' or a file to resume from; `signal`: an
   * `AbortSignal` that stops the run cleanly (see `FitOptions`).
   *
   * @example
   * const { stopReason } = await trainer.fit(module, dm, { ckptPath: 'last', signal: AbortSignal.timeout(60_000) });
   */
  async fit(module: TrainableModule, dataModule: ImageClassificationDataModule, options: FitOptions = {}): Promise<FitResult> {
    if (needsLaunch(this)) {
      return this.#fitResult(await launchWorkers(this, module, options.signal ?? null));
    }
    const abort = options.signal ?? null;
    let signalled = false;
    let aborted = false;
    const onAbort = (): void => this.stop('aborted by the AbortSignal');
    this.#aborted = false;
    try {
      await this.#fitStage(module, dataModule, options.ckptPath ?? null, {
        abort,
        onSignal: () => (signalled = true),
        beforeLoop: () => {
          abort?.addEventListener('abort', onAbort, { once: true });
          if (abort?.aborted === true) onAbort();
        },
        afterLoop: () => {
          abort?.removeEventListener('abort', onAbort);
          aborted = this.#aborted = abort?.aborted === true;
        },
      });
    } catch (error) {
      abort?.removeEventListener('abort', onAbort);
      this.#events.end(this, 'failed');
      throw error;
    }
    const result = this.#fitResult(signalled ? 'signal' : aborted ? 'aborted' : this.#stopReason !== null ? 'stopped' : 'completed');
    this.#events.end(this, result.stopReason);
    return result;
  }

  #fitResult(stopReason: FitResult['stopReason']): FitResult {
    return { stopReason, message: this.#stopReason, globalStep: this.globalStep, epoch: this.currentEpoch };
  }

  async #fitStage(
    module: TrainableModule,
    dataModule: ImageClassificationDataModule,
    ckptPath: string | null,
    run: { abort: AbortSignal | null; onSignal: () => void; beforeLoop: () => void; afterLoop: () => void },
  ): Promise<void> {
    const options = { ckptPath };
    const resuming = Boolean(ckptPath);
    await this.#run('fit', module, dataModule, { resuming }, async (context) => {
      await dataModule.setup('fit');
      const resumed = options.ckptPath
        ? resolveCheckpoint(options.ckptPath, path.join(this.runDir, 'checkpoints'), (m) => this.print(m))
        : null;
      let loaders: { trainLoader: DataLoader; valLoader: DataLoader | null };
      try {
        this.#seed = resumed?.checkpoint.seed ?? this.options.seed ?? (this.ddp !== null ? 0 : Math.floor(Math.random() * 2 ** 32));
        torch.manualSeed(this.#seed);
        await this.#choosePrecision(module, dataModule, resumed?.checkpoint ?? null);
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
            (s) => {
              run.onSignal();
              this.stop(`received ${s}`);
            },
            (m) => this.print(m),
          )
        : null;
      this.#signals?.install();
      await context.hooks.call('onFitStart', this);
      this.#events.begin({
        batchesPerEpoch: this.#numTrainBatches,
        maxEpochs: this.maxEpochs,
        maxSteps: this.maxSteps,
        accumulate: this.options.accumulateGradBatches,
        doneBatches: this.progress.epoch * this.#numTrainBatches + this.progress.batchInEpoch,
      });
      run.beforeLoop();
      try {
        await runFitLoop({
          ...context,
          ...loaders,
          optimizer: this.#need(this.#optimizer, 'fit'),
          stepper: this.#need(this.#stepper, 'fit'),
          numTrainBatches: this.#numTrainBatches,
          signals: this.#signals,
          abortSignal: run.abort,
        });
      } finally {
        run.afterLoop();
      }
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
    const hooks = new HookDispatcher(module, [...this.callbacks, this.#events], this.profiler);
    const context: StageContext = { trainer: this, module, hooks, progress: this.#progress };
    this.#stageContext = context;
    setStageThreads(this.options.numThreads);
    module.to({ device: this.device, memoryFormat: this.channelsLast ? 'channelsLast' : 'contiguous' });
    torch.useDeterministicAlgorithms(this.options.deterministic);
    let status: RunStatus = 'success';
    this.#running = true;
    try {
      for (const logger of this.loggers) await logger.setup?.(this.runDir, { resumed: run.resuming || this.#loggersUsed });
      this.#loggersUsed = true;
      await hooks.call('setup', this, stage);
      await body(context);
      await this.#signals?.settle();
      if (this.#signals?.received || (stage === 'fit' && this.#aborted)) status = 'interrupted';
    } catch (error) {
      status = 'failed';
      this.collector.clear();
      await hooks.call('onException', this, error).catch(() => undefined);
      throw rankError(this, error);
    } finally {
      this.#running = false;
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

  #precisionEnvironment(): PrecisionEnvironment {
    return { device: this.device, nativeBf16: this.device === 'cpu' && nativeBf16() };
  }

  /**
   * `precision: auto`: settles precision and memory format before the loaders are built (they
   * lay batches out in the chosen format) and before the sanity check; see precision-auto.ts.
   */
  async #choosePrecision(module: TrainableModule, dataModule: ImageClassificationDataModule, resumed: Checkpoint | null): Promise<void> {
    if (!needsChoice(this.options)) return;
    const saved = savedChoice(resumed?.extra.precisionChoice);
    const result = await resolveAutoPrecision({
      options: this.options,
      environment: this.#precisionEnvironment(),
      resumed: saved,
      module,
      firstBatch: async () => {
        const loader = dataModule.trainLoader({ seed: this.seed, channelsLast: false });
        if (trainBatches(this.options, loader.length) === 0) return null;
        for await (const batch of loader.epoch(0)) return batch;
        return null;
      },
      threads: torch.getNumThreads(),
      cache: new PrecisionCache({ warn: (m) => this.print(m) }),
    });
    this.#precisionChoice = result;
    this.#precision = new Precision(result.precision, this.device);
    module.to({ memoryFormat: result.memoryFormat });
    this.print(describeAutoPrecision(result));
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
