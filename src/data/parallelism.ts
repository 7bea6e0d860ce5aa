/**
 * How many worker threads and how many samples in flight a data module's
 * loaders use when the options say `'auto'` (the defaults): worker threads
 * only when the train pipeline has per-sample work on the JavaScript thread
 * (`ImagePipeline.jsThreadSteps`) and reads files, one per core (at most 16:
 * past that the main thread's batch assembly, not the transforms, sets the
 * pace); and enough samples in flight to keep every decode thread and worker
 * fed. In-memory images (IDX data sets) stay on the main thread: a message
 * per 28x28 sample costs more than its transforms (measured: Fashion-MNIST
 * with RandomCrop + flip, 26-41k images/s on the main thread against 10k
 * with 2 workers). A number in the options always wins.
 *
 * @example
 * resolveParallelism({ workers: 'auto', concurrency: 'auto', jsThreadSteps: ['TrivialAugmentWide'], source: 'file', cores: 8 });
 * // { workers: 8, concurrency: 32 }
 */

/** Worker threads and samples in flight, resolved. */
export interface Parallelism {
  workers: number;
  concurrency: number;
}

/** Most worker threads `'auto'` starts. */
export const MAX_AUTO_WORKERS = 16;

/**
 * Resolves `'auto'` against the pipeline and the core count.
 *
 * @example
 * resolveParallelism({ workers: 'auto', concurrency: 'auto', jsThreadSteps: [], source: 'file', cores: 2 }); // { workers: 0, concurrency: 16 }
 */
export function resolveParallelism(options: {
  workers: number | 'auto';
  concurrency: number | 'auto';
  jsThreadSteps: readonly string[];
  /** Where samples come from: image files, or pixels already in memory (IDX). */
  source: 'file' | 'pixels';
  cores: number;
}): Parallelism {
  const cores = Math.max(1, options.cores);
  const threaded = options.jsThreadSteps.length > 0 && options.source === 'file';
  const workers = options.workers !== 'auto' ? options.workers : threaded ? Math.min(cores, MAX_AUTO_WORKERS) : 0;
  // 16 keeps libuv's decode threads busy while the main thread collates; workers want a few queued each.
  const concurrency = options.concurrency !== 'auto' ? options.concurrency : Math.max(16, 4 * cores, 4 * workers);
  return { workers, concurrency };
}
