/**
 * `Predictor`: class probabilities for image files from an exported model,
 * run by libtorch (the module itself) or onnxruntime (the .onnx file). The
 * preprocessing is rebuilt from the ONNX model's own `metadata_props`
 * (resize, center crop, channels, mean / std, through the data pipeline's
 * own transforms and collate), never from a data module's setup, so it is
 * evaluation's. Images go in batches; an image that cannot be read or has
 * the wrong size is reported by name and skipped (or fails the call with
 * `onError: 'fail'`), never taking its batch down. The libtorch backend runs
 * the caller's module, or the one `moduleFromOnnx` rebuilds from the file.
 *
 * The default runtime is the fastest that keeps the answers: onnxruntime on
 * the fp32 graph (the export checked it against the module to 1e-4), faster
 * than libtorch in every bench:predict run (README). The libtorch backend
 * runs bf16 autocast + channels-last where the CPU has native bf16
 * (`precision: 'auto'`), faster than its fp32 there with the same top-1;
 * `precision: '32'` forces fp32.
 *
 * @example
 * const predictor = await Predictor.open('export/model.onnx', { topK: 3 });
 * const { predictions, failures } = await predictor.predict(['cat.jpg', 'dog.png']);
 * predictions[0].topK[0]; // { index: 1, className: 'dog', probability: 0.93 }
 * await predictor.close();
 */
import * as ort from 'onnxruntime-node';
import { collate } from '../data/collate.js';
import type { RawImage } from '../data/image.js';
import { Rng } from '../data/random.js';
import { CenterCrop } from '../data/transforms/center-crop.js';
import { ImagePipeline } from '../data/transforms/pipeline.js';
import type { Transform } from '../data/transforms/pipeline.js';
import { Resize } from '../data/transforms/resize.js';
import { ConfigError, DataError, SerializationError, ShapeError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { moduleFromOnnx } from './module-from-onnx.js';
import { INPUT_NAME, OUTPUT_NAME } from './onnx/build-onnx-model.js';
import { libtorchLogits, resolveInferencePrecision } from './libtorch-logits.js';
import type { InferencePrecision } from './libtorch-logits.js';
import type { OnnxExportMetadata } from './onnx/metadata.js';
import { readOnnxModel } from './onnx/read-onnx-model.js';
import { ttaViews } from './tta.js';
import type { TtaPlan } from './tta.js';

/** Options of `Predictor.open`. */
export interface PredictorOptions {
  /** 'onnxruntime' (default) runs the .onnx file; 'libtorch' runs `module`. */
  backend?: 'onnxruntime' | 'libtorch';
  /** The trained module for the libtorch backend (default: rebuilt from the .onnx file, and disposed by `close`). */
  module?: Module;
  /** onnxruntime's intra-op threads (default: its own choice); libtorch's are process-wide: `torch.setNumThreads`. */
  threads?: number;
  /** Images per forward pass (default 32). */
  batchSize?: number;
  /** Classes reported per image (default 5, at most the number of classes). */
  topK?: number;
  /** 'skip' (default): report unreadable images and go on; 'fail': throw on the first. */
  onError?: 'skip' | 'fail';
  /**
   * The libtorch backend's forward: 'auto' (default) is bf16 autocast + channels-last on a CPU with
   * native bf16 (AVX-512 BF16, AMX) and fp32 elsewhere or off the CPU; '32' and 'bf16-mixed' force one.
   */
  precision?: InferencePrecision;
  /** Divide the logits by the model's fitted temperature (its metadata's `temperature`) when it has one. Default true. */
  calibration?: boolean;
  /** Test-time augmentation: probabilities averaged over these views (see `parseTta`). Default none. */
  tta?: TtaPlan | null;
}

/** One class of an image's top k. */
export interface ClassScore {
  index: number;
  className: string;
  probability: number;
}

/** The top k of one image; a multi-label model's also every label at or over its threshold. */
export interface ImagePrediction {
  path: string;
  topK: ClassScore[];
  /** Multi-label models: the labels predicted (probability >= the label's threshold), most probable first. */
  labels?: ClassScore[];
}

/** An image that was skipped, and why. */
export interface PredictionFailure {
  path: string;
  message: string;
}

type RunLogits = (pixels: Float32Array, shape: number[]) => Promise<Float32Array>;

/** Adds softmax(row / temperature) (float64, max-subtracted) of each row of `logits` [B, C] into `into`. */
function addSoftmax(into: Float64Array, logits: Float32Array, numClasses: number, temperature: number): void {
  for (let start = 0; start < logits.length; start += numClasses) {
    const row = logits.subarray(start, start + numClasses);
    const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
    const exps = Array.from(row, (v) => Math.exp((v - max) / temperature));
    const sum = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, j) => (into[start + j] += e / sum));
  }
}

/** The k largest probabilities of one row, largest first. */
function topKOf(probs: Float64Array, classNames: readonly string[], k: number): ClassScore[] {
  return Array.from(probs, (probability, index) => ({ index, className: classNames[index], probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

/** Sigmoid probabilities of one row, the k largest first, and the labels at or over their thresholds. */
function multiLabelOf(probs: Float32Array | Float64Array, classNames: readonly string[], thresholds: readonly number[], k: number) {
  const all = Array.from(probs, (probability, index) => ({ index, className: classNames[index], probability }));
  all.sort((a, b) => b.probability - a.probability || a.index - b.index);
  return { topK: all.slice(0, k), labels: all.filter((s) => s.probability >= thresholds[s.index]) };
}

const sigmoidOf = (logits: Float32Array): Float32Array => logits.map((x) => 1 / (1 + Math.exp(-x)));

export class Predictor {
  /** The model's metadata: class names, input size, preprocessing. */
  readonly metadata: OnnxExportMetadata;
  readonly batchSize: number;
  readonly topK: number;
  readonly onError: 'skip' | 'fail';
  /** The forward's precision: the libtorch backend's resolved choice; onnxruntime runs the fp32 graph. */
  readonly precision: '32' | 'bf16-mixed';
  /** The temperature the probabilities are divided by: the model's fitted one, or null (uncalibrated, or `calibration: false`). */
  readonly temperature: number | null;
  /** The views probabilities are averaged over, or null for the image alone. */
  readonly tta: TtaPlan | null;
  readonly #pipeline: ImagePipeline;
  readonly #run: RunLogits;
  readonly #close: () => Promise<void>;

  private constructor(
    metadata: OnnxExportMetadata,
    run: RunLogits,
    close: () => Promise<void>,
    options: PredictorOptions & { precision: '32' | 'bf16-mixed' },
  ) {
    this.metadata = metadata;
    this.precision = options.precision;
    this.batchSize = options.batchSize ?? 32;
    this.topK = Math.min(options.topK ?? 5, metadata.classNames.length);
    this.onError = options.onError ?? 'skip';
    this.temperature = options.calibration === false ? null : (metadata.temperature ?? null);
    this.tta = options.tta ?? null;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new ConfigError(`Predictor: expected a positive integer batchSize, but got ${this.batchSize}`);
    if (!Number.isInteger(this.topK) || this.topK < 1)
      throw new ConfigError(`Predictor: expected a positive integer topK, but got ${options.topK}`);
    const channels = metadata.inputSize[0];
    if (channels !== 1 && channels !== 3)
      throw new ConfigError(`Predictor: expected a model input of 1 or 3 channels, but got ${channels}`);
    const transforms: Transform[] = [];
    if (metadata.resize !== null) transforms.push(new Resize({ size: metadata.resize as number | [number, number] }));
    if (metadata.crop !== null) transforms.push(new CenterCrop({ size: metadata.crop as number | [number, number] }));
    this.#pipeline = new ImagePipeline({ transforms, decode: { channels } });
    this.#run = run;
    this.#close = close;
  }

  /**
   * A predictor for the exported model at `onnxPath` (its metadata drives the preprocessing).
   *
   * @example
   * const p = await Predictor.open('model.onnx', { backend: 'libtorch', module });
   */
  static async open(onnxPath: string, options: PredictorOptions = {}): Promise<Predictor> {
    const { metadata } = readOnnxModel(onnxPath, 'Predictor');
    const backend = options.backend ?? 'onnxruntime';
    if (backend !== 'onnxruntime' && backend !== 'libtorch')
      throw new ConfigError(`Predictor: expected backend 'onnxruntime' or 'libtorch', but got '${String(backend)}'`);
    const threads = options.threads;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
      throw new ConfigError(`Predictor: expected a positive integer threads, but got ${threads}`);
    const asked = resolveInferencePrecision(options.precision ?? 'auto');
    if (backend === 'libtorch') {
      const owned = options.module === undefined;
      const module = options.module ?? moduleFromOnnx(onnxPath);
      const device = module.parameters()[0]?.device ?? 'cpu';
      // CPU bf16 autocast means nothing to a module on a GPU: 'auto' keeps its fp32 there.
      if (device !== 'cpu' && options.precision === 'bf16-mixed')
        throw new ConfigError(`Predictor: expected a module on the CPU for precision 'bf16-mixed', but got one on ${device}; use '32'`);
      const precision = device === 'cpu' ? asked : '32';
      const logits = libtorchLogits(module, { precision });
      // A multi-label export outputs probabilities; the module (or the backbone rebuilt from the file) gives logits.
      const scores = metadata.task === 'multilabel' ? sigmoidOf : (x: Float32Array) => x;
      const run: RunLogits = (pixels, shape) => Promise.resolve(scores(logits(pixels, shape).data));
      const close = (): Promise<void> => Promise.resolve(owned ? module.dispose() : undefined);
      try {
        return new Predictor(metadata, run, close, { ...options, precision });
      } catch (error) {
        await close();
        throw error;
      }
    }
    if (options.precision === 'bf16-mixed')
      throw new ConfigError(
        `Predictor: expected precision 'auto' or '32' with backend onnxruntime (it runs the fp32 graph), but got 'bf16-mixed'; use backend 'libtorch'`,
      );
    const session = await ort.InferenceSession.create(onnxPath, {
      logSeverityLevel: 3,
      ...(threads === undefined ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 }),
    }).catch((error: unknown) => {
      throw new SerializationError(`Predictor: expected onnxruntime to load ${onnxPath}, but got ${(error as Error).message}`, {
        cause: error,
      });
    });
    const run: RunLogits = async (pixels, shape) => {
      const result = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', pixels, shape) });
      return result[OUTPUT_NAME].data as Float32Array;
    };
    return new Predictor(metadata, run, () => session.release(), { ...options, precision: '32' });
  }

  /**
   * The model's logits for preprocessed pixels [N, C, H, W] (row-major), as `predict` runs them (a
   * multi-label model's: each label's probability).
   *
   * @example
   * const logits = await predictor.logits(pixels, [32, 3, 224, 224]); // Float32Array of 32 x classes
   */
  logits(pixels: Float32Array, shape: readonly number[]): Promise<Float32Array> {
    return this.#run(pixels, [...shape]);
  }

  /** Decodes and preprocesses one image, checking it has the model's input size. */
  async #prepare(path: string): Promise<RawImage> {
    const image = await this.#pipeline.run(path, new Rng(0));
    const [, height, width] = this.metadata.inputSize;
    if (image.width !== width || image.height !== height) {
      throw new DataError(
        `Predictor: expected ${width}x${height} images after preprocessing (the model's input), but got ${image.width}x${image.height} for ${path}`,
      );
    }
    return image;
  }

  /**
   * The top k classes of each readable image, in input order, and the images skipped.
   *
   * @example
   * const { predictions, failures } = await predictor.predict(paths);
   */
  async predict(paths: readonly string[]): Promise<{ predictions: ImagePrediction[]; failures: PredictionFailure[] }> {
    const predictions: ImagePrediction[] = [];
    const failures: PredictionFailure[] = [];
    const normalize =
      this.metadata.mean === null || this.metadata.std === null ? null : { mean: this.metadata.mean, std: this.metadata.std };
    const numClasses = this.metadata.classNames.length;
    for (let start = 0; start < paths.length; start += this.batchSize) {
      const chunk = paths.slice(start, start + this.batchSize);
      const settled = await Promise.allSettled(chunk.map((p) => this.#prepare(p)));
      const ready: { path: string; image: RawImage }[] = [];
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') ready.push({ path: chunk[i], image: s.value });
        else if (this.onError === 'fail') throw s.reason;
        else failures.push({ path: chunk[i], message: s.reason instanceof Error ? s.reason.message : String(s.reason) });
      });
      if (ready.length === 0) continue;
      const batch = collate({ images: ready.map((r) => r.image), labels: new Array<number>(ready.length).fill(-1), normalize });
      const probs = await this.#probabilities(batch.images).finally(() => torch.dispose(batch));
      const { classNames, thresholds } = this.metadata;
      ready.forEach((r, i) => {
        const row = probs.subarray(i * numClasses, (i + 1) * numClasses);
        if (this.metadata.task === 'multilabel')
          predictions.push({ path: r.path, ...multiLabelOf(row, classNames, thresholds!, this.topK) });
        else predictions.push({ path: r.path, topK: topKOf(row, classNames, this.topK) });
      });
    }
    return { predictions, failures };
  }

  /** Probabilities [B * C] of a preprocessed batch (softmax, calibrated when there is a temperature; a multi-label model's sigmoids), averaged over the TTA views. */
  async #probabilities(images: torch.Tensor): Promise<Float64Array> {
    const numClasses = this.metadata.classNames.length;
    const [n] = images.shape;
    const views =
      this.tta === null
        ? [images.data() as Float32Array]
        : torch.tidy(() => ttaViews(images, this.tta!).map((v) => v.data() as Float32Array));
    const probs = new Float64Array(n * numClasses);
    for (const pixels of views) {
      const logits = await this.#run(pixels, images.shape);
      if (logits.length !== n * numClasses) {
        throw new ShapeError(
          `Predictor: expected ${numClasses} logits per image (one per class name), but got ${logits.length / n} from the model`,
        );
      }
      // A multi-label model outputs each label's probability already (a sigmoid, no temperature).
      if (this.metadata.task === 'multilabel') logits.forEach((p, j) => (probs[j] += p));
      else addSoftmax(probs, logits, numClasses, this.temperature ?? 1);
    }
    return probs.map((p) => p / views.length);
  }

  /** Releases the onnxruntime session, or the module `open` rebuilt (a caller's module stays the caller's). */
  async close(): Promise<void> {
    await this.#close();
  }
}
