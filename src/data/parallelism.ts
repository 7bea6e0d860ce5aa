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
 * with 2 workers). A number in the options always wins. When several ranks
 * of a data-parallel run share the machine (torchrun's `LOCAL_WORLD_SIZE`),
 * each rank's 'auto' counts its share of the cores, at least one, so N
 * ranks do not each take the whole machine; the Trainer's libtorch threads
 * follow the same share (`coresPerRank`).
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
 * The processes of this run on this machine: torchrun's `LOCAL_WORLD_SIZE`
 * (set by the DDP launcher, torchrun and its wrappers), 1 when unset or not
 * a positive integer (a single process).
 *
 * @example
 * localWorldSize({ LOCAL_WORLD_SIZE: '4' }); // 4
 */
export function localWorldSize(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.LOCAL_WORLD_SIZE);
  return Number.isInteger(value) && value > 0 ? value : 1;
}

/**
 * One rank's share of `cores` when `localWorldSize` ranks share them: at least 1.
 *
 * @example
 * coresPerRank(16, 3); // 5
 */
export function coresPerRank(cores: number, localWorldSize = 1): number {
  return Math.max(1, Math.floor(cores / Math.max(1, localWorldSize)));
}

/**
 * Resolves `'auto'` against the pipeline and this rank's share of the cores.
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
  /** The machine's cores. */
  cores: number;
  /** Ranks sharing those cores (default 1); 'auto' counts `coresPerRank(cores, localWorldSize)`. */
  localWorldSize?: number;
}): Parallelism {
  const cores = coresPerRank(options.cores, options.localWorldSize);
  const threaded = options.jsThreadSteps.length > 0 && options.source === 'file';
  const workers = options.workers !== 'auto' ? options.workers : threaded ? Math.min(cores, MAX_AUTO_WORKERS) : 0;
  // 16 keeps libuv's decode threads busy while the main thread collates; workers want a few queued each.
  const concurrency = options.concurrency !== 'auto' ? options.concurrency : Math.max(16, 4 * cores, 4 * workers);
  return { workers, concurrency };
}
