/**
 * How many worker threads and how many samples in flight a data module's
 * loaders use when the options say `'auto'` (the defaults): worker threads
 * only when the train pipeline has per-sample work on the JavaScript thread
 * (`ImagePipeline.jsThreadSteps`), one per core (at most 16: past that the
 * main thread's batch assembly, not the transforms, sets the pace); and
 * enough samples in flight to keep every decode thread and worker fed.
 * A number in the options always wins.
 *
 * @example
 * resolveParallelism({ workers: 'auto', concurrency: 'auto', jsThreadSteps: ['TrivialAugmentWide'], cores: 8 });
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
 * resolveParallelism({ workers: 'auto', concurrency: 'auto', jsThreadSteps: [], cores: 2 }); // { workers: 0, concurrency: 16 }
 */
export function resolveParallelism(options: {
  workers: number | 'auto';
  concurrency: number | 'auto';
  jsThreadSteps: readonly string[];
  cores: number;
}): Parallelism {
  const cores = Math.max(1, options.cores);
  const workers = options.workers !== 'auto' ? options.workers : options.jsThreadSteps.length > 0 ? Math.min(cores, MAX_AUTO_WORKERS) : 0;
  // 16 keeps libuv's decode threads busy while the main thread collates; workers want a few queued each.
  const concurrency = options.concurrency !== 'auto' ? options.concurrency : Math.max(16, 4 * cores, 4 * workers);
  return { workers, concurrency };
}
