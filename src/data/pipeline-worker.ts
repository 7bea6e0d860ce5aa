/**
 * The worker-thread side of `WorkerPipeline`: builds the transform pipeline
 * from its config entries once, then runs one sample per message with the
 * sample's own random stream, and sends the pixels back (transferred, not
 * copied). Not imported by anything: `WorkerPipeline` starts it.
 *
 * @example
 * new Worker(new URL('./pipeline-worker.ts', import.meta.url), { workerData: { transforms, decode } });
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodeOptions } from './decode.js';
import type { RawImage } from './image.js';
import { Rng } from './random.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';

/** One sample to run. */
export interface WorkerTask {
  id: number;
  source: { path: string } | { bytes: Uint8Array } | { raw: Omit<RawImage, 'data'> & { data: Uint8Array } };
  seed: number;
  epoch: number;
  position: number;
}

/** The answer: pixels or an error. */
export type WorkerResult =
  | { id: number; ok: true; width: number; height: number; channels: 1 | 3; data: ArrayBuffer }
  | { id: number; ok: false; name: string; message: string };

const init = workerData as { transforms: unknown[]; decode: DecodeOptions };
const pipeline = new ImagePipeline({ transforms: buildTransforms(init.transforms), decode: init.decode });
const port = parentPort;

/** A Buffer over the same memory as `bytes`. */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function runTask(task: WorkerTask): Promise<WorkerResult> {
  try {
    const s = task.source;
    // The message's arrays are this thread's own clones: viewed, not copied.
    const source = 'path' in s ? s.path : 'bytes' in s ? view(s.bytes) : { ...s.raw, data: view(s.raw.data) };
    const image = await pipeline.run(source, Rng.forSample(task.seed, task.epoch, task.position));
    const own =
      image.data.byteOffset === 0 &&
      image.data.byteLength === image.data.buffer.byteLength &&
      !(image.data.buffer instanceof SharedArrayBuffer);
    // A buffer that owns its memory is transferred as it is; a slice of a pool or of the input is copied first.
    const data = own ? (image.data.buffer as ArrayBuffer) : new Uint8Array(image.data).buffer;
    return { id: task.id, ok: true, width: image.width, height: image.height, channels: image.channels, data };
  } catch (error) {
    return {
      id: task.id,
      ok: false,
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

port?.on('message', (task: WorkerTask) => {
  void runTask(task).then((result) => port.postMessage(result, result.ok ? [result.data] : []));
});
