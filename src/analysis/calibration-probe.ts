/**
 * `CalibrationProbe`: what `analyze` hands `collectPredictions` as its
 * `probsOf`, so one pass gives the analysis its probabilities (averaged over
 * test-time augmentation views when asked) and keeps each batch's plain
 * logits for temperature scaling and for the accuracy without TTA. The
 * temperature is fitted on the val split; on the test split the
 * checkpoint's own (fitted on val at the end of fit) is measured instead.
 *
 * @example
 * const probe = new CalibrationProbe((x) => module.forward(x), parseTta('flip'));
 * const predictions = await collectPredictions(module, dm.valLoader(), { probsOf: probe.probsOf });
 * const result = probe.calibrate(predictions.targets); // fitted on these predictions
 */
import { DataError } from '../errors.js';
import { ttaProbs } from '../export/tta.js';
import type { TtaPlan } from '../export/tta.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { calibrate } from './calibration.js';
import type { CalibrationResult } from './calibration.js';

/** Keeps the plain logits of every batch `probsOf` sees. */
export class CalibrationProbe {
  readonly #forward: (images: Tensor) => Tensor;
  readonly #tta: TtaPlan | null;
  readonly #rows: Float32Array[] = [];
  #numClasses = 0;

  constructor(forward: (images: Tensor) => Tensor, tta: TtaPlan | null = null) {
    this.#forward = forward;
    this.#tta = tta;
  }

  /** Probabilities [B, C] of a batch: the softmax, or the TTA average; the plain logits are kept. */
  readonly probsOf = (images: Tensor): Tensor => {
    const logits = this.#forward(images).float();
    this.#numClasses = logits.shape[1];
    this.#rows.push(logits.data() as Float32Array);
    return this.#tta === null ? logits.softmax(1) : ttaProbs(this.#forward, images, this.#tta);
  };

  /** The kept logits [N, C] and `targets` as int64 [N], for a `tidy` scope of the caller's. */
  #tensors(targets: ArrayLike<number>): { logits: Tensor; labels: Tensor } {
    const n = this.#rows.reduce((s, r) => s + r.length, 0) / Math.max(1, this.#numClasses);
    if (n !== targets.length || n === 0)
      throw new DataError(`CalibrationProbe: expected one target per kept row (${n}), but got ${targets.length}`);
    const flat = new Float32Array(n * this.#numClasses);
    let at = 0;
    for (const row of this.#rows) {
      flat.set(row, at);
      at += row.length;
    }
    return {
      logits: torch.tensor(flat, { shape: [n, this.#numClasses] }),
      labels: torch.tensor(BigInt64Array.from(Array.from(targets, (t) => BigInt(t)))),
    };
  }

  /**
   * Temperature scaling on the kept logits: fitted, or `temperature` measured as given.
   *
   * @example
   * probe.calibrate(predictions.targets, { temperature: 1.7 }).ece;
   */
  calibrate(targets: ArrayLike<number>, options: { temperature?: number; nBins?: number } = {}): CalibrationResult {
    return torch.tidy(() => {
      const { logits, labels } = this.#tensors(targets);
      return calibrate(logits, labels, options);
    });
  }

  /**
   * Top-1 accuracy of the plain logits (the figure beside a TTA analysis's own).
   *
   * @example
   * probe.plainAccuracy(predictions.targets); // 0.912
   */
  plainAccuracy(targets: ArrayLike<number>): number {
    return torch.tidy(() => {
      const { logits, labels } = this.#tensors(targets);
      return logits.argmax({ dim: 1 }).eq(labels).double().mean().item();
    });
  }
}
