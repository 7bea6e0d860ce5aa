/**
 * A small, fast, seedable random stream for data work (sampling, transform
 * parameters). Streams are derived from (seed, epoch, index) so that a sample
 * gets the same random numbers whatever order or worker decodes it.
 *
 * @example
 * const rng = Rng.forSample(42, 0, 17);
 * rng.uniform(0.08, 1); rng.int(0, 10); rng.bernoulli(0.5);
 */

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** sfc32: a 128-bit-state generator with good statistical quality for its cost. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, ...stream: number[]) {
    let h = mix32((seed >>> 0) ^ 0x9e3779b9);
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    h = mix32(h ^ hi);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      h = mix32(h + 0x6d2b79f5 + (stream[i] ?? 0) * 0x9e3779b1 + i);
      for (const s of stream) h = mix32(h ^ (s >>> 0));
      words.push(h);
    }
    [this.#a, this.#b, this.#c, this.#d] = words;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The stream for one sample of one epoch. */
  static forSample(seed: number, epoch: number, index: number): Rng {
    return new Rng(seed, epoch + 1, index + 1);
  }

  /** The next raw output, an integer uniform in [0, 2^32); every other draw is built from these. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    return ((this.nextUint32() >>> 5) * 67108864 + (this.nextUint32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** An integer in [low, high). */
  int(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`Rng.int: expected high > low but got [${low}, ${high})`);
    return low + Math.floor(this.random() * (high - low));
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  /** A standard normal sample (Box-Muller). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    return items[this.int(0, items.length)];
  }

  /** Fisher-Yates shuffle of 0..n-1. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A Gamma(alpha, 1) sample (Marsaglia-Tsang), for Beta draws in MixUp and AugMix's Dirichlet weights. */
  gamma(alpha: number): number {
    if (alpha < 1) return this.gamma(alpha + 1) * Math.pow(this.random(), 1 / alpha);
    const d = alpha - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = this.random();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** A Beta(alpha, beta) sample. */
  beta(alpha: number, beta: number): number {
    const x = this.gamma(alpha);
    return x / (x + this.gamma(beta));
  }

  /**
   * A Dirichlet(alphas) sample: one Gamma(alpha_i, 1) draw per entry, in
   * order, normalized. When every draw underflows to 0 (alphas far below
   * 1), the mass goes to one entry drawn uniformly: the limit of that case.
   *
   * @example
   * rng.dirichlet([1, 1, 1]); // e.g. [0.21, 0.63, 0.16]
   */
  dirichlet(alphas: readonly number[]): number[] {
    const g = alphas.map((a) => this.gamma(a));
    const sum = g.reduce((s, x) => s + x, 0);
    if (sum > 0) return g.map((x) => x / sum);
    const k = this.int(0, alphas.length);
    return alphas.map((_, i) => (i === k ? 1 : 0));
  }
}
