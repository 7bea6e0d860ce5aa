/**
 * `SamplerDistribution`: what the sampler actually drew. During each train
 * epoch it counts the classes of the samples in every batch, from the
 * batch's dataset `indices` and the train split's `targets` (no tensor is
 * read); at epoch end it logs the share of each class as `sampler/<class>`
 * and writes every epoch's counts to `<runDir>/sampler_distribution.json`.
 * With a weighted sampler the shares should come out near uniform; with the
 * default one, near the data set's own distribution.
 *
 * The counts are its checkpoint state, so a run resumed mid-epoch finishes
 * the epoch's counts where it left off.
 *
 * @example
 * new Trainer({ callbacks: [new SamplerDistribution()] });
 * // epoch end: sampler/cat 0.34, sampler/dog 0.33, sampler/fox 0.33
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { register } from '../../registry.js';
import type { TrainableModule } from '../trainable-module.js';
import type { StateTree } from '../../torch/optim/index.js';
import { Callback } from '../callback.js';
import type { BatchContext } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** The file written into the run directory. */
export const SAMPLER_DISTRIBUTION_FILE = 'sampler_distribution.json';

/** Class counts of one train epoch, in class order. */
export interface EpochCounts {
  epoch: number;
  counts: number[];
}

/** What `sampler_distribution.json` holds. */
export interface SamplerDistributionFile {
  classes: string[];
  epochs: { epoch: number; total: number; counts: Record<string, number> }[];
}

/**
 * Counts the classes drawn in each train epoch.
 *
 * @example
 * const cb = new SamplerDistribution();
 * cb.onTrainEpochStart(trainer); cb.onTrainBatchEnd(trainer, module, { batch, batchIdx: 0 }); await cb.onTrainEpochEnd(trainer);
 * cb.epochs; // [{ epoch: 0, counts: [3, 5, 4] }]
 */
export class SamplerDistribution extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  /** Finished epochs, in order. */
  readonly epochs: EpochCounts[] = [];
  /** The epoch in progress (null between epochs). */
  current: EpochCounts | null = null;
  #warned = false;

  #classes(trainer: TrainerView): readonly string[] | null {
    return trainer.dataModule?.train?.classes ?? null;
  }

  #warnOnce(trainer: TrainerView, message: string): void {
    if (this.#warned) return;
    this.#warned = true;
    trainer.print(message);
  }

  #finish(entry: EpochCounts): void {
    const at = this.epochs.findIndex((e) => e.epoch === entry.epoch);
    if (at >= 0) this.epochs[at] = entry;
    else this.epochs.push(entry);
  }

  override onTrainEpochStart(trainer: TrainerView, _module?: TrainableModule): void {
    if (this.current !== null && this.current.epoch === trainer.currentEpoch) return; // resumed mid-epoch
    if (this.current !== null) this.#finish(this.current); // saved before its epoch end ran
    const classes = this.#classes(trainer);
    this.current = { epoch: trainer.currentEpoch, counts: new Array<number>(classes?.length ?? 0).fill(0) };
  }

  override onTrainBatchEnd(trainer: TrainerView, _module: TrainableModule | undefined, context: BatchContext): void {
    const targets = trainer.dataModule?.train?.targets;
    if (targets === undefined) {
      this.#warnOnce(trainer, 'SamplerDistribution: expected a data module with a train split, but got none; nothing is counted');
      return;
    }
    const indices = context.batch.indices;
    if (indices === undefined) {
      this.#warnOnce(trainer, 'SamplerDistribution: expected batches with dataset indices, but got a batch without; it is not counted');
      return;
    }
    if (this.current === null) this.onTrainEpochStart(trainer);
    const counts = this.current!.counts;
    for (const i of indices) {
      const t = targets[i];
      if (t >= 0 && t < counts.length) counts[t]++;
    }
  }

  override async onTrainEpochEnd(trainer: TrainerView, _module?: TrainableModule): Promise<void> {
    const current = this.current;
    const classes = this.#classes(trainer);
    if (current === null || classes === null) return;
    this.current = null;
    this.#finish(current);
    const total = current.counts.reduce((a, b) => a + b, 0);
    if (total > 0) {
      current.counts.forEach((n, c) => trainer.log(`sampler/${classes[c] ?? c}`, n / total, { onStep: false, onEpoch: true }));
    }
    if (!trainer.isGlobalZero) return;
    await mkdir(trainer.runDir, { recursive: true });
    await writeFile(path.join(trainer.runDir, SAMPLER_DISTRIBUTION_FILE), `${JSON.stringify(this.toJSON(classes), null, 2)}\n`);
  }

  /** The file's content: counts per class name for every finished epoch. */
  toJSON(classes: readonly string[]): SamplerDistributionFile {
    return {
      classes: [...classes],
      epochs: this.epochs.map(({ epoch, counts }) => ({
        epoch,
        total: counts.reduce((a, b) => a + b, 0),
        counts: Object.fromEntries(counts.map((n, c) => [classes[c] ?? String(c), n])),
      })),
    };
  }

  /** `{ epochs: [{ epoch, counts }], current }`. */
  override stateDict(): StateTree {
    const copy = (e: EpochCounts): StateTree => ({ epoch: e.epoch, counts: [...e.counts] });
    return { epochs: this.epochs.map(copy), current: this.current === null ? null : copy(this.current) };
  }

  override loadStateDict(state: StateTree): void {
    const s = state as { epochs?: EpochCounts[]; current?: EpochCounts | null } | null;
    const read = (e: EpochCounts): EpochCounts => ({ epoch: Number(e.epoch), counts: Array.from(e.counts, Number) });
    this.epochs.splice(0, this.epochs.length, ...(s?.epochs ?? []).map(read));
    this.current = s?.current ? read(s.current) : null;
  }
}

register({
  group: 'callback',
  name: 'sampler_distribution',
  schema: z.object({}).strict(),
  build: () => new SamplerDistribution(),
  description: 'Logs the share of each class the sampler drew per train epoch; sampler_distribution.json',
});
