/**
 * `FitProgress`: where a run stands (Lightning's `fit_loop.epoch_progress`
 * and batch progress), owned by the loops that advance it and saved and
 * restored by itself into the checkpoint. The Trainer only reads it, through
 * the names of `TrainerView` (`currentEpoch`, `batchIdx`, `globalStep`,
 * `sanityChecking`), so the epoch and the batch index are stored here once.
 *
 * The checkpoint keeps its keys (`epoch`, `batchInEpoch`, `globalStep`):
 * `epoch` is the epoch a resume runs, `batchInEpoch` the train batches of it
 * already done.
 *
 * @example
 * const progress = new FitProgress();
 * const start = progress.startEpoch();        // 0 on a fresh run
 * progress.startBatch(start); progress.finishBatch(); progress.stepTaken();
 * progress.stateDict();                       // { epoch: 0, batchInEpoch: 1, globalStep: 1, ... }
 */
import type { EpochRecord } from '../trainer-view.js';

/** Where a run continues: the epoch to run and the train batches of it already done. */
export interface Progress {
  epoch: number;
  batchInEpoch: number;
}

/** What the progress saves into a checkpoint (the checkpoint's own keys). */
export interface ProgressState extends Progress {
  globalStep: number;
  history: EpochRecord[];
  callbackMetrics: Record<string, number>;
}

/** The run's progress; see the module doc. */
export class FitProgress {
  #epoch = 0;
  /** The epoch's end has run: a resume starts the next epoch. */
  #epochDone = false;
  #batchIdx = 0;
  /** Batch `#batchIdx` went through its optimization step. */
  #batchDone = false;
  #globalStep = 0;
  #sanityChecking = false;
  /** Epoch-level metrics of every epoch so far (curves continue on resume). */
  readonly history: EpochRecord[] = [];
  /** The latest value of every logged metric. */
  readonly callbackMetrics: Record<string, number> = {};

  /** 0-based epoch running (or last run). */
  get currentEpoch(): number {
    return this.#epoch;
  }
  /** The train batch running (or last run) within the epoch. */
  get batchIdx(): number {
    return this.#batchIdx;
  }
  get globalStep(): number {
    return this.#globalStep;
  }
  get sanityChecking(): boolean {
    return this.#sanityChecking;
  }
  /** Where a resume continues. */
  get position(): Progress {
    if (this.#epochDone) return { epoch: this.#epoch + 1, batchInEpoch: 0 };
    return { epoch: this.#epoch, batchInEpoch: this.#batchIdx + (this.#batchDone ? 1 : 0) };
  }

  /** Enters the epoch a resume would run; returns its first batch (past the ones done). */
  startEpoch(): number {
    const { epoch, batchInEpoch } = this.position;
    this.#epoch = epoch;
    this.#epochDone = false;
    this.#batchIdx = batchInEpoch;
    this.#batchDone = false;
    return batchInEpoch;
  }
  startBatch(batchIdx: number): void {
    this.#batchIdx = batchIdx;
    this.#batchDone = false;
  }
  finishBatch(): void {
    this.#batchDone = true;
  }
  stepTaken(): void {
    this.#globalStep++;
  }
  /** Closes the epoch with its metrics: from here a resume starts the next one. */
  finishEpoch(record: EpochRecord): void {
    this.history.push(record);
    this.#epochDone = true;
  }
  /** Marks the sanity validation before training (its values reach no logger). */
  setSanityChecking(on: boolean): void {
    this.#sanityChecking = on;
  }

  /** The checkpoint's view of the progress (copies). */
  stateDict(): ProgressState {
    return { ...this.position, globalStep: this.#globalStep, history: [...this.history], callbackMetrics: { ...this.callbackMetrics } };
  }

  /** Continues from a checkpoint's progress. */
  loadStateDict(state: ProgressState): void {
    this.#epoch = state.epoch;
    this.#epochDone = false;
    this.#batchIdx = state.batchInEpoch;
    this.#batchDone = false;
    this.#globalStep = state.globalStep;
    this.history.splice(0, this.history.length, ...state.history);
    for (const key of Object.keys(this.callbackMetrics)) delete this.callbackMetrics[key];
    Object.assign(this.callbackMetrics, state.callbackMetrics);
  }
}
