/**
 * A plain-object `TrainerView` for calling callback hooks directly in unit
 * tests, and a logger that records the images it is given.
 *
 * @example
 * const trainer = fakeTrainerView({ runDir: tmp, currentEpoch: 2 });
 * await new RunReport().onFitEnd(trainer, module);
 */
import type { LogStep, Logger } from '../../src/training/logger.js';
import type { TrainerView } from '../../src/training/trainer-view.js';

/** A writable TrainerView: every field a test does not give has a neutral value. */
export type FakeTrainerView = { -readonly [K in keyof TrainerView]: TrainerView[K] } & {
  stopReasons: string[];
  printed: string[];
  /** Paths `saveCheckpoint` was asked to write (nothing is written). */
  checkpoints: string[];
};

/**
 * A fake Trainer view for `runDir`.
 *
 * @example
 * const trainer = fakeTrainerView({ runDir: '/tmp/run', sanityChecking: true });
 */
export function fakeTrainerView(fields: Partial<TrainerView> & { runDir: string }): FakeTrainerView {
  const view: FakeTrainerView = {
    stage: 'fit',
    currentEpoch: 0,
    globalStep: 0,
    batchIdx: 0,
    maxEpochs: 1,
    maxSteps: null,
    numTrainBatches: 1,
    dataModule: null,
    optimizer: null,
    callbackMetrics: {},
    history: [],
    loggers: [],
    isGlobalZero: true,
    sanityChecking: false,
    shouldStop: false,
    stopReasons: [],
    printed: [],
    checkpoints: [],
    stop(reason: string) {
      view.shouldStop = true;
      view.stopReasons.push(reason);
    },
    log() {},
    print(message: string) {
      view.printed.push(message);
    },
    saveCheckpoint(path: string) {
      view.checkpoints.push(path);
      return Promise.resolve();
    },
    ...fields,
  };
  return view;
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
