/**
 * `TrainerEvents`: the typed events of a fit (`trainer.on(...)`,
 * `trainer.events()`), for a program that embeds training (a web server, an
 * Electron app, a notebook) and wants progress without writing a callback
 * class. It is an internal callback the Trainer runs after every other one,
 * so the loops do not know it exists; listeners are called synchronously and
 * are not awaited, so a listener cannot hold the loop up by returning a
 * promise (one that throws fails the run, as a throwing callback does).
 *
 * Each event carries the global step, the epoch, the metrics known at that
 * point (`callbackMetrics`: step values are read from the device every
 * `logEveryNSteps` steps, never just for an event), the training throughput
 * in images per second and an ETA for the rest of the fit, where known.
 *
 * @example
 * const off = trainer.on('epochEnd', (e) => console.log(e.epoch, e.metrics['val/loss'], e.etaMs));
 * await trainer.fit(module, dm);
 * off();
 */
import { Callback } from './callback.js';
import type { BatchContext } from './callback.js';
import type { TrainerView } from './trainer-view.js';

/** Why a fit ended: its limits, an `AbortSignal`, SIGINT / SIGTERM, a stop request (early stopping, a Timer), or an error. */
export type FitStopReason = 'completed' | 'aborted' | 'signal' | 'stopped' | 'failed';

/** What every event carries. */
export interface TrainerEventBase {
  /** Optimizer steps taken so far. */
  step: number;
  /** The 0-based epoch running (or last run). */
  epoch: number;
  /** The latest value of every logged metric (a copy). */
  metrics: Record<string, number>;
  /** Training images per second over this fit's batches (null before the second batch of an epoch). */
  throughput: number | null;
  /** Milliseconds of training left at the current pace (null when unknown; validation not counted). */
  etaMs: number | null;
}

/** Every event by name. */
export interface TrainerEventMap {
  batchEnd: TrainerEventBase & { type: 'batchEnd'; batchIdx: number };
  epochEnd: TrainerEventBase & { type: 'epochEnd' };
  validationEnd: TrainerEventBase & { type: 'validationEnd' };
  /** A checkpoint file was written (`last.ckpt` may be written as a copy of it, without an event of its own). */
  checkpoint: TrainerEventBase & { type: 'checkpoint'; path: string };
  /** The fit is over; the last event of a run. */
  end: TrainerEventBase & { type: 'end'; stopReason: FitStopReason };
}

/** The events' names. */
export type TrainerEventName = keyof TrainerEventMap;

/** Any event. */
export type TrainerEvent = TrainerEventMap[TrainerEventName];

type Listener = (event: TrainerEvent) => void;

/** An event's own fields, without those every event carries. */
type EventFields = { [N in TrainerEventName]: Omit<TrainerEventMap[N], keyof TrainerEventBase> }[TrainerEventName];

/** The emitter behind `trainer.on` and `trainer.events()`; see the module doc. */
export class TrainerEvents extends Callback {
  readonly #listeners = new Map<TrainerEventName | '*', Set<Listener>>();
  /** Images and milliseconds between consecutive batch ends of one epoch. */
  #images = 0;
  #intervals = 0;
  #elapsedMs = 0;
  #lastBatchEndMs: number | null = null;
  #batchesDone = 0;
  #batchesPlanned: number | null = null;

  /**
   * Calls `listener` with every `name` event; returns the function that removes it.
   *
   * @example
   * const off = events.on('batchEnd', (e) => console.log(e.step, e.throughput)); off();
   */
  on<N extends TrainerEventName>(name: N, listener: (event: TrainerEventMap[N]) => void): () => void {
    return this.#add(name, listener as Listener);
  }

  /** Calls `listener` with every event; returns the function that removes it. @example events.onAny((e) => queue.push(e)); */
  onAny(listener: (event: TrainerEvent) => void): () => void {
    return this.#add('*', listener);
  }

  #add(name: TrainerEventName | '*', listener: Listener): () => void {
    const set = this.#listeners.get(name) ?? new Set<Listener>();
    this.#listeners.set(name, set);
    // A wrapper per subscription: the same function subscribed twice is removed once per `off`.
    const entry: Listener = (event) => listener(event);
    set.add(entry);
    return () => set.delete(entry);
  }

  /** Starts a fit's timing (the plan: `maxEpochs` whole epochs, cut by `maxSteps`). */
  begin(plan: {
    batchesPerEpoch: number;
    maxEpochs: number | null;
    maxSteps: number | null;
    accumulate: number;
    doneBatches: number;
  }): void {
    this.#images = 0;
    this.#intervals = 0;
    this.#elapsedMs = 0;
    this.#lastBatchEndMs = null;
    this.#batchesDone = plan.doneBatches;
    const byEpochs = plan.maxEpochs === null ? null : plan.maxEpochs * plan.batchesPerEpoch;
    const bySteps = plan.maxSteps === null ? null : plan.maxSteps * plan.accumulate;
    this.#batchesPlanned = byEpochs === null ? bySteps : bySteps === null ? byEpochs : Math.min(byEpochs, bySteps);
  }

  override onTrainEpochStart(): void {
    // The gap before an epoch's first batch holds validation and checkpoints: not training pace.
    this.#lastBatchEndMs = null;
  }

  override onTrainBatchEnd(trainer: TrainerView, _module: unknown, context: BatchContext): void {
    const now = performance.now();
    if (this.#lastBatchEndMs !== null) {
      this.#images += context.batch.images.size(0);
      this.#intervals++;
      this.#elapsedMs += now - this.#lastBatchEndMs;
    }
    this.#lastBatchEndMs = now;
    this.#batchesDone++;
    this.#emit(trainer, { type: 'batchEnd', batchIdx: context.batchIdx });
  }

  override onTrainEpochEnd(trainer: TrainerView): void {
    this.#emit(trainer, { type: 'epochEnd' });
  }

  override onValidationEnd(trainer: TrainerView): void {
    if (trainer.stage === 'fit' && !trainer.sanityChecking) this.#emit(trainer, { type: 'validationEnd' });
  }

  /** Announces a checkpoint file the Trainer wrote. */
  checkpointWritten(trainer: TrainerView, path: string): void {
    this.#emit(trainer, { type: 'checkpoint', path });
  }

  /** Announces the end of a fit. */
  end(trainer: TrainerView, stopReason: FitStopReason): void {
    this.#emit(trainer, { type: 'end', stopReason });
  }

  #emit(trainer: TrainerView, fields: EventFields): void {
    const type = fields.type;
    const named = this.#listeners.get(type);
    const any = this.#listeners.get('*');
    if ((named === undefined || named.size === 0) && (any === undefined || any.size === 0)) return;
    const event = { ...this.#base(trainer, type), ...fields };
    for (const listener of [...(named ?? []), ...(any ?? [])]) listener(event);
  }

  #base(trainer: TrainerView, type: TrainerEventName): TrainerEventBase {
    const msPerBatch = this.#intervals > 0 ? this.#elapsedMs / this.#intervals : null;
    const throughput = this.#images > 0 && this.#elapsedMs > 0 ? (this.#images * 1000) / this.#elapsedMs : null;
    const left = this.#batchesPlanned === null ? null : Math.max(0, this.#batchesPlanned - this.#batchesDone);
    const etaMs = type === 'end' ? 0 : left === 0 ? 0 : left === null || msPerBatch === null ? null : left * msPerBatch;
    return { step: trainer.globalStep, epoch: trainer.currentEpoch, metrics: { ...trainer.callbackMetrics }, throughput, etaMs };
  }
}
