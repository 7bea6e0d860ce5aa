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
  /** Timed steps per candidate after one untimed warm-up step (default 3). */
  steps?: number;
  /** Past this many ms of timed steps a candidate stops early (at least one step is timed; default 2000). */
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

function timeCandidate(options: ProbeOptions, choice: PrecisionChoice, now: () => number): number {
  const { module, device } = options;
  const steps = options.steps ?? 3;
  const budgetMs = options.budgetMs ?? 2000;
  module.to({ memoryFormat: choice.memoryFormat });
  const images = torch.keep(options.batch.images.contiguous(choice.memoryFormat));
  try {
    const batch = { ...options.batch, images };
    const precision = new Precision(choice.precision, device);
    step(module, batch, precision); // warm-up: oneDNN builds its kernels for these shapes
    const times: number[] = [];
    let spent = 0;
    while (times.length < steps && (times.length === 0 || spent < budgetMs)) {
      const start = now();
      step(module, batch, precision);
      times.push(now() - start);
      spent += times[times.length - 1];
    }
    return median(times);
  } finally {
    images.dispose();
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
  const timings: CandidateTiming[] = [];
  const errors: unknown[] = [];
  try {
    module.train();
    for (const choice of options.candidates) {
      try {
        timings.push({ choice, msPerStep: timeCandidate(options, choice, now) });
      } catch (error) {
        errors.push(error);
      }
      restore(module, saved);
    }
  } finally {
    restore(module, saved);
    release(saved);
    module.to({ memoryFormat: format });
  }
  if (timings.length === 0) throw errors[0];
  return timings;
}
