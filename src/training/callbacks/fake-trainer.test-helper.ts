/**
 * Test helpers for the callbacks: a fake `TrainerView` (a plain object that
 * records what callbacks log, print and stop), a logger that records the
 * images it is given, and a tiny ClassificationModule,
 * so each callback's hooks can be called directly without a Trainer.
 *
 * @example
 * const trainer = fakeTrainer({ optimizer: new SGD(module.parameters(), { lr: 0.1 }) });
 * new LearningRateMonitor().onTrainBatchStart(trainer, module, { batch, batchIdx: 0 });
 * trainer.logged; // [{ name: 'lr-SGD', value: 0.1, options: { onStep: true, onEpoch: false } }]
 */
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Conv2d, Flatten, Linear, ReLU, Sequential, AdaptiveAvgPool2d } from '../../torch/nn/index.js';
import { ClassificationModule } from '../../models/classification-module.js';
import type { LogOptions } from '../../metrics/log-entry.js';
import type { LogStep, Logger } from '../logger.js';
import type { TrainerView } from '../trainer-view.js';
import type { TrainerStage } from '../callback.js';

/** What the fake trainer recorded. */
export interface FakeTrainer extends TrainerView {
  stage: TrainerStage;
  currentEpoch: number;
  globalStep: number;
  batchIdx: number;
  maxEpochs: number | null;
  maxSteps: number | null;
  numTrainBatches: number;
  callbackMetrics: Record<string, number>;
  sanityChecking: boolean;
  logged: { name: string; value: number; options: LogOptions | undefined }[];
  printed: string[];
  stopReasons: string[];
}

/** A TrainerView whose fields can be set freely; `log`, `print` and `stop` record their arguments. */
export function fakeTrainer(overrides: Partial<Omit<FakeTrainer, 'logged' | 'printed' | 'stopReasons'>> = {}): FakeTrainer {
  const trainer: FakeTrainer = {
    stage: 'fit',
    currentEpoch: 0,
    globalStep: 0,
    batchIdx: 0,
    maxEpochs: 1,
    maxSteps: null,
    numTrainBatches: 1,
    runDir: '.',
    dataModule: null,
    optimizer: null,
    callbackMetrics: {},
    history: [],
    loggers: [],
    isGlobalZero: true,
    sanityChecking: false,
    logged: [],
    printed: [],
    stopReasons: [],
    get shouldStop() {
      return this.stopReasons.length > 0;
    },
    stop(reason: string) {
      this.stopReasons.push(reason);
    },
    log(name: string, value: Tensor | number, options?: LogOptions) {
      this.logged.push({ name, value: typeof value === 'number' ? value : value.item(), options });
    },
    print(message: string) {
      this.printed.push(message);
    },
    saveCheckpoint() {
      return Promise.resolve();
    },
    ...overrides,
  };
  return trainer;
}

/** A tiny convolutional classifier (conv, relu, pool, flatten, linear) for `numClasses` classes. */
export function tinyModule(numClasses = 3, inChannels = 1, seed = 0): ClassificationModule {
  torch.manualSeed(seed);
  const backbone = new Sequential(
    new Sequential(new Conv2d(inChannels, 4, 3, { padding: 1 }), new ReLU()),
    new AdaptiveAvgPool2d([1, 1]),
    new Flatten(),
    new Linear(4, numClasses),
  );
  return new ClassificationModule(backbone, { numClasses });
}

/** A logger that keeps what `logImage` receives. @example const logger = new ImageRecorder(); */
export class ImageRecorder implements Logger {
  readonly name = 'images';
  readonly images: { tag: string; png: Buffer; at: LogStep }[] = [];
  logMetrics(): void {}
  logHyperparams(): void {}
  logImage(tag: string, png: Buffer, at: LogStep): void {
    this.images.push({ tag, png, at });
  }
  async flush(): Promise<void> {}
  async finalize(): Promise<void> {}
}
