/**
 * The warm-up probe behind `precision: auto`: a few real training steps
 * (forward, loss, backward; never an optimizer step) of one train batch per
 * candidate, timed. Everything a step touches is put back bitwise afterwards
 * (BatchNorm running statistics and every buffer, gradients, libtorch's RNG,
 * train/eval modes, the module's logs and train metrics), so a run that
 * probed is identical to a run with the chosen combination fixed.
 *
 * @example
 * const timings = probePrecision({ module, batch, candidates, device: 'cpu' });
 * const { choice } = pickFastest(timings);
 */
import type { ClassificationBatch } from '../data/classification-batch.js';
import { TrainingError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Precision } from './precision.js';
import type { CandidateTiming, PrecisionChoice } from './precision-choice.js';
import { median } from './precision-choice.js';
import type { TrainableModule } from './trainable-module.js';

/** What a probe runs. */
export interface ProbeOptions {
  module: TrainableModule;
  /** One real train batch (contiguous images); each candidate gets its own layout of it. */
  batch: ClassificationBatch;
  candidates: readonly PrecisionChoice[];
  device: 'cpu' | 'cuda';
  /** Timed steps per candidate after one untimed warm-up step (default 3), taken in rounds across the candidates. */
  steps?: number;
  /** Past this many ms of timed steps per candidate no further round starts (one round always runs; default 2000). */
  budgetMs?: number;
  /** The clock, in ms (tests stub it). */
  now?: () => number;
}

/** The module's state a probe step changes, copied so it can be put back. */
interface Snapshot {
  buffers: { tensor: Tensor; copy: Tensor }[];
  grads: (Tensor | null)[];
  rng: Tensor;
  modes: boolean[];
}

function snapshot(module: TrainableModule): Snapshot {
  return {
    buffers: module.buffers().map((tensor) => ({ tensor, copy: torch.keep(tensor.clone()) })),
    grads: module.parameters().map((p) => {
      const grad = p.grad;
      return grad === null ? null : torch.keep(grad.clone());
    }),
    rng: torch.getRngState(),
    modes: [...module.modules()].map((m) => m.training),
  };
}

function restore(module: TrainableModule, saved: Snapshot): void {
  torch.noGrad(() => {
    for (const { tensor, copy } of saved.buffers) tensor.copy_(copy);
  });
  module.parameters().forEach((p, i) => (p.grad = saved.grads[i]));
  torch.setRngState(saved.rng);
  [...module.modules()].forEach((m, i) => (m.training = saved.modes[i]));
  // What the steps logged and counted into the train metrics is not the run's.
  torch.dispose(module.takeLogs?.().map((entry) => entry.value));
  module.resetMetrics?.('train');
}

function release(saved: Snapshot): void {
  torch.dispose([saved.buffers.map((b) => b.copy), saved.grads, saved.rng]);
}

/** One forward + backward; returns once the device finished it. */
function step(module: TrainableModule, batch: ClassificationBatch, precision: Precision): void {
  torch.tidy(() => {
    const loss = precision.forward(() => module.trainingStep(batch, 0));
    precision.backward(loss);
    if (precision.device === 'cuda') loss.item(); // waits for the queued kernels
  });
  for (const p of module.parameters()) p.grad = null;
  torch.dispose(module.takeLogs?.().map((entry) => entry.value));
}

/** A candidate laid out for its steps: the module's memory format is set per step, the batch once. */
interface Prepared {
  choice: PrecisionChoice;
  batch: ClassificationBatch;
  precision: Precision;
  times: number[];
  error: unknown;
}

function prepare(options: ProbeOptions, choice: PrecisionChoice): Prepared {
  const images = torch.keep(options.batch.images.contiguous(choice.memoryFormat));
  return {
    choice,
    batch: { ...options.batch, images },
    precision: new Precision(choice.precision, options.device),
    times: [],
    error: null,
  };
}

/** Runs one step of `c` (timed when `now` is given); a failure marks the candidate out. */
function run(options: ProbeOptions, c: Prepared, now: (() => number) | null): void {
  if (c.error !== null) return;
  try {
    options.module.to({ memoryFormat: c.choice.memoryFormat });
    const start = now?.() ?? 0;
    step(options.module, c.batch, c.precision);
    if (now !== null) c.times.push(now() - start);
  } catch (error) {
    c.error = error;
    for (const p of options.module.parameters()) p.grad = null; // a half-done backward's gradients
  }
}

/**
 * One untimed warm-up step per candidate (oneDNN builds its kernels for the
 * shapes), then rounds of one timed step per candidate in turn, so a burst
 * of load from elsewhere on the machine slows every candidate alike instead
 * of one block of them.
 */
function timeCandidates(options: ProbeOptions, prepared: Prepared[], now: () => number): void {
  const steps = options.steps ?? 3;
  const budgetMs = (options.budgetMs ?? 2000) * prepared.length;
  for (const c of prepared) run(options, c, null);
  let spent = 0;
  for (let round = 0; round < steps && (round === 0 || spent < budgetMs); round++) {
    for (const c of prepared) {
      run(options, c, now);
      spent += c.times.at(-1) ?? 0;
    }
  }
}

/**
 * Times every candidate on `batch` and puts the module back as it found it
 * (its memory format included). A candidate that fails (an op without a
 * bf16 kernel, say) is left out; when every one fails the first error is thrown.
 *
 * @example
 * probePrecision({ module, batch, candidates: autoCandidates(options, env), device: 'cpu' }); // [{ choice, msPerStep }, ...]
 */
export function probePrecision(options: ProbeOptions): CandidateTiming[] {
  const { module } = options;
  const now = options.now ?? (() => performance.now());
  const format =
    module
      .parameters()
      .find((p) => p.ndim === 4)
      ?.isContiguous('channelsLast') === true
      ? 'channelsLast'
      : 'contiguous';
  const saved = snapshot(module);
  const prepared: Prepared[] = [];
  try {
    module.train();
    for (const choice of options.candidates) prepared.push(prepare(options, choice));
    timeCandidates(options, prepared, now);
  } finally {
    restore(module, saved);
    release(saved);
    module.to({ memoryFormat: format });
    torch.dispose(prepared.map((c) => c.batch.images));
  }
  const timed = prepared.filter((c) => c.error === null && c.times.length > 0);
  if (timed.length === 0) {
    const first: unknown = prepared[0]?.error;
    if (first instanceof Error) throw first;
    throw new TrainingError(`probePrecision: expected a candidate that runs, but got ${prepared.length === 0 ? 'none' : String(first)}`);
  }
  return timed.map((c) => ({ choice: c.choice, msPerStep: median(c.times) }));
}
