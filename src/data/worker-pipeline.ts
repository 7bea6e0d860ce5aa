/**
 * `WorkerPipeline`: the same transforms as `ImagePipeline`, run in a pool of
 * worker threads, for when the JavaScript transforms (colour jitter, flips)
 * rather than decoding limit throughput. Each sample still draws from
 * `Rng.forSample(seed, epoch, position)`, so results equal the in-thread
 * pipeline's bit for bit whatever the number of workers. Workers hold the
 * process open only while they have work; `close()` ends them.
 *
 * @example
 * const pipeline = new WorkerPipeline({ transforms: entries, decode: { channels: 3 }, workers: 4 });
 * const loader = new DataLoader({ dataset, pipeline, concurrency: 8 });
 * ...
 * await pipeline.close();
 */
import { Worker } from 'node:worker_threads';
import { DataError } from '../errors.js';
import type { ImageSource } from './dataset.js';
import type { DecodeOptions } from './decode.js';
import type { RawImage } from './image.js';
import type { WorkerResult, WorkerTask } from './pipeline-worker.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';

/** Options for `WorkerPipeline`. */
export interface WorkerPipelineOptions {
  /** Transform config entries (as for `buildTransforms`). */
  transforms: unknown[];
  decode: DecodeOptions;
  /** Worker threads (default 2). */
  workers?: number;
}

interface Slot {
  worker: Worker;
  /** Set once the worker has died; later tasks fail at once with it. */
  failure: Error | null;
  pending: Map<number, { resolve: (image: RawImage) => void; reject: (error: Error) => void }>;
}

/** A transform pipeline whose samples run in worker threads. */
export class WorkerPipeline {
  readonly decode: DecodeOptions;
  readonly normalize: ImagePipeline['normalize'];
  readonly erasing: ImagePipeline['erasing'];
  readonly #slots: Slot[];
  #nextId = 0;

  constructor(options: WorkerPipelineOptions) {
    // Built here too: it validates the entries now and gives normalize/erasing for the batch.
    const local = new ImagePipeline({ transforms: buildTransforms(options.transforms), decode: options.decode });
    this.decode = options.decode;
    this.normalize = local.normalize;
    this.erasing = local.erasing;
    const count = options.workers ?? 2;
    if (!Number.isInteger(count) || count < 1)
      throw new DataError(`WorkerPipeline: expected a positive integer number of workers, but got ${count}`);
    const url = new URL(import.meta.url.endsWith('.ts') ? './pipeline-worker.ts' : './pipeline-worker.js', import.meta.url);
    this.#slots = Array.from({ length: count }, () => this.#start(url, options));
  }

  #start(url: URL, options: WorkerPipelineOptions): Slot {
    const workerData = { transforms: options.transforms, decode: options.decode };
    // Under tsx (running from .ts sources) a worker does not inherit the loader hooks: register them first.
    const worker = url.pathname.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, {
          eval: true,
          workerData,
        })
      : new Worker(url, { workerData });
    const slot: Slot = { worker, failure: null, pending: new Map() };
    worker.unref();
    worker.on('message', (result: WorkerResult) => {
      const waiter = slot.pending.get(result.id);
      slot.pending.delete(result.id);
      if (slot.pending.size === 0) worker.unref();
      if (waiter === undefined) return;
      if (result.ok)
        waiter.resolve({ data: Buffer.from(result.data), width: result.width, height: result.height, channels: result.channels });
      else waiter.reject(result.name === 'DataError' ? new DataError(result.message) : new Error(result.message));
    });
    const fail = (error: Error): void => {
      slot.failure ??= new DataError(`WorkerPipeline: expected a running worker, but it failed: ${error.message}`, { cause: error });
      for (const waiter of slot.pending.values()) waiter.reject(slot.failure);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    return slot;
  }

  /** Not supported: a worker needs the sample's identity, not an Rng (the loader calls `runSample`). */
  run(): Promise<RawImage> {
    return Promise.reject(
      new DataError(
        'WorkerPipeline: expected runSample(source, { seed, epoch, position }), but got run(source, rng) (use ImagePipeline for that)',
      ),
    );
  }

  /**
   * Runs one sample in the least busy worker.
   *
   * @example
   * await pipeline.runSample('cat.jpg', { seed: 0, epoch: 0, position: 5 });
   */
  runSample(source: ImageSource, sample: { seed: number; epoch: number; position: number }): Promise<RawImage> {
    const slot = this.#slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    const id = this.#nextId++;
    const src: WorkerTask['source'] =
      typeof source === 'string' ? { path: source } : Buffer.isBuffer(source) ? { bytes: source } : { raw: source };
    if (slot.failure !== null) return Promise.reject(slot.failure);
    return new Promise<RawImage>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, source: src, ...sample } satisfies WorkerTask);
    });
  }

  /** Ends the worker threads. */
  async close(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
