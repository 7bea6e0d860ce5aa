/**
 * The sweep's loss curve: each step's loss averaged exponentially and
 * bias-corrected (fastai's `SmoothenValue`, Lightning's `_LRCallback`: the
 * average starts at 0, so dividing by `1 - beta^n` keeps the first points
 * at the losses' scale), and the divergence test on it: a smoothed loss
 * above `threshold` times the best so far, or a loss that is not finite.
 *
 * @example
 * const s = new LossSmoother({ smoothing: 0.98, divergeThreshold: 4 });
 * s.add(2.3); // 2.3 (the first point is the loss itself)
 * s.diverged; // false
 */

/** The smoothed curve and whether it has diverged. */
export class LossSmoother {
  readonly #beta: number;
  readonly #threshold: number | null;
  #average = 0;
  #count = 0;
  #best = Infinity;
  #diverged = false;

  constructor(options: { smoothing: number; divergeThreshold: number | null }) {
    this.#beta = options.smoothing;
    this.#threshold = options.divergeThreshold;
  }

  /** True once a loss was not finite or the smoothed loss passed the threshold. */
  get diverged(): boolean {
    return this.#diverged;
  }

  /** The lowest smoothed loss so far. */
  get best(): number {
    return this.#best;
  }

  /** Adds one step's loss; returns its smoothed value (NaN once a loss is not finite). */
  add(loss: number): number {
    if (!Number.isFinite(loss)) {
      this.#diverged = true;
      this.#average = NaN;
      return NaN;
    }
    this.#count++;
    this.#average = this.#beta * this.#average + (1 - this.#beta) * loss;
    const smoothed = this.#average / (1 - this.#beta ** this.#count);
    // The first point has nothing to compare with (Lightning's `current_step > 1`).
    if (this.#threshold !== null && this.#count > 1 && smoothed > this.#threshold * this.#best) this.#diverged = true;
    this.#best = Math.min(this.#best, smoothed);
    return smoothed;
  }
}
