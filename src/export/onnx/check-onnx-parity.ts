/**
 * `checkOnnxParity`: runs an exported model in onnxruntime-node at several
 * batch sizes (1 and 3 by default) and compares its logits with the
 * module's own libtorch forward (evaluation mode, no grad); fails when the
 * largest absolute difference passes the tolerance (1e-4, fp32) times the
 * logits' scale, max(1, max |logit|): fp32 rounds relative to magnitude, so
 * a model with logits of 1e4 (a diverged run, say) differs between two
 * correct runtimes by ~1e-3 from summation order alone, while logits of
 * order 1 keep the absolute 1e-4. Inputs are
 * the caller's preprocessed images, or seeded standard-normal noise. The
 * module's train/eval flags and libtorch's random state are left as found.
 *
 * @example
 * const { maxAbsDiff } = await checkOnnxParity(module, 'export/model.onnx', { inputShape: [3, 32, 32] });
 */
import * as ort from 'onnxruntime-node';
import { SerializationError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Module } from '../../torch/nn/index.js';
import { INPUT_NAME, OUTPUT_NAME } from './build-onnx-model.js';

/** Options of `checkOnnxParity`. */
export interface OnnxParityOptions {
  /** The input [C, H, W]. */
  inputShape: readonly [number, number, number];
  /** Preprocessed images [M, C, H, W], reused in turn to fill each batch; default: normal noise. */
  inputs?: Tensor;
  /** Default [1, 3]. */
  batchSizes?: readonly number[];
  /** Largest allowed logit difference relative to max(1, max |logit|) (default 1e-4). */
  tolerance?: number;
  /** Seed of the noise inputs (default 0). */
  seed?: number;
}

/** What the check measured. */
export interface OnnxParityResult {
  maxAbsDiff: number;
  /** The largest of each batch's maxAbsDiff / scale. */
  maxRelDiff: number;
  /** Per batch: `scale` is max(1, max |logit|) of the module's logits. */
  batches: { batchSize: number; maxAbsDiff: number; scale: number }[];
}

/** Seeded standard normals (mulberry32 + Box-Muller): no change to libtorch's generator. */
function normalNoise(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(theta);
    if (i + 1 < count) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** The batch's pixels: rows of `inputs` taken in turn, or noise. */
function batchPixels(batchSize: number, options: OnnxParityOptions, seed: number): Float32Array {
  const perImage = options.inputShape.reduce((a, b) => a * b, 1);
  if (options.inputs === undefined) return normalNoise(batchSize * perImage, seed);
  const inputs = options.inputs;
  const expected = [inputs.shape[0], ...options.inputShape];
  if (inputs.ndim !== 4 || inputs.shape[0] < 1 || inputs.shape.some((d, i) => d !== expected[i])) {
    throw new SerializationError(
      `checkOnnxParity: expected inputs of shape [M >= 1, ${options.inputShape.join(', ')}], but got [${inputs.shape.join(', ')}]`,
    );
  }
  const all = torch.tidy(() => inputs.detach().to({ dtype: 'float32', device: 'cpu' }).data() as Float32Array);
  const out = new Float32Array(batchSize * perImage);
  for (let b = 0; b < batchSize; b++) {
    const row = b % inputs.shape[0];
    out.set(all.subarray(row * perImage, (row + 1) * perImage), b * perImage);
  }
  return out;
}

/** The module's logits for `pixels` in evaluation mode without grad, restoring each submodule's mode. */
export function moduleLogits(module: Module, pixels: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const modes = [...module.modules()].map((m) => [m, m.training] as const);
  module.eval();
  try {
    const device = module.parameters()[0]?.device ?? 'cpu';
    const dtype = module.parameters()[0]?.dtype ?? 'float32';
    return torch.tidy(() =>
      torch.noGrad(() => {
        const x = torch.tensor(pixels, { shape: [...shape] }).to({ device, dtype });
        const logits = module.forward(x).to({ dtype: 'float32', device: 'cpu' });
        return { data: logits.data() as Float32Array, shape: logits.shape };
      }),
    );
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/**
 * Compares onnxruntime's logits for the model at `onnxPath` with `module`'s.
 *
 * @example
 * await checkOnnxParity(module, 'model.onnx', { inputShape: [3, 224, 224], inputs: batch.images });
 */
export async function checkOnnxParity(module: Module, onnxPath: string, options: OnnxParityOptions): Promise<OnnxParityResult> {
  const tolerance = options.tolerance ?? 1e-4;
  const session = await ort.InferenceSession.create(onnxPath, { logSeverityLevel: 3 }).catch((error: unknown) => {
    throw new SerializationError(`checkOnnxParity: expected onnxruntime to load ${onnxPath}, but got ${(error as Error).message}`, {
      cause: error,
    });
  }); // errors only
  const batches: OnnxParityResult['batches'] = [];
  try {
    for (const [i, batchSize] of (options.batchSizes ?? [1, 3]).entries()) {
      const shape = [batchSize, ...options.inputShape];
      const pixels = batchPixels(batchSize, options, (options.seed ?? 0) + i);
      const ours = moduleLogits(module, pixels, shape);
      const result = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', pixels, shape) });
      const theirs = result[OUTPUT_NAME];
      if (theirs.dims.length !== ours.shape.length || theirs.dims.some((d, k) => d !== ours.shape[k])) {
        throw new SerializationError(
          `checkOnnxParity: expected onnxruntime's logits of shape [${ours.shape.join(', ')}] (the module's), but got [${theirs.dims.join(', ')}] at batch size ${batchSize}`,
        );
      }
      const data = theirs.data as Float32Array;
      let maxAbsDiff = 0;
      let scale = 1;
      for (let k = 0; k < data.length; k++) {
        const diff = Math.abs(data[k] - ours.data[k]);
        if (!(diff <= maxAbsDiff)) maxAbsDiff = diff; // NaN counts as the largest difference
        if (!(Math.abs(ours.data[k]) <= scale)) scale = Math.abs(ours.data[k]);
      }
      batches.push({ batchSize, maxAbsDiff, scale });
      if (!(maxAbsDiff <= tolerance * scale)) {
        const bound = scale === 1 ? `${tolerance}` : `${tolerance} x max |logit| ${scale} = ${tolerance * scale}`;
        throw new SerializationError(
          `checkOnnxParity: expected onnxruntime's logits within ${bound} of the module's (fp32), but got a max abs difference of ${maxAbsDiff} at batch size ${batchSize} for ${onnxPath}`,
        );
      }
    }
  } finally {
    await session.release();
  }
  return {
    maxAbsDiff: Math.max(...batches.map((b) => b.maxAbsDiff)),
    maxRelDiff: Math.max(...batches.map((b) => b.maxAbsDiff / b.scale)),
    batches,
  };
}
