/**
 * Process-wide settings: threads, seeds, autocast, CUDA facts.
 *
 * @example
 * manualSeed(0); setNumThreads(4);
 * const y = autocast(() => model.forward(x), { device: 'cpu', dtype: 'bfloat16' });
 */
import { availableParallelism } from 'node:os';
import { maxThreads, native } from './binding.js';
import { dtypeCode } from './dtype.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's global generator (the same stream PyTorch gets from `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new TypeError(`manualSeed: expected a non-negative integer but got ${seed}`);
  native.manualSeed(seed);
}

/**
 * A copy of libtorch's CPU generator state (uint8), as `torch.get_rng_state()`;
 * checkpoints save it so dropout and random ops continue the same stream.
 *
 * @example
 * const state = getRngState(); torch.rand([3]); setRngState(state); // the same three numbers again
 */
export function getRngState(): Tensor {
  return new Tensor(native.getRngState());
}

/** Restores a state from `getRngState` (`torch.set_rng_state`). */
export function setRngState(state: Tensor): void {
  if (!(state instanceof Tensor) || state.dtype !== 'uint8' || state.ndim !== 1) {
    throw new TypeError(
      `setRngState: expected a 1-d uint8 tensor from getRngState, but got ${state instanceof Tensor ? `${state.dtype} [${state.shape.join(', ')}]` : typeof state}`,
    );
  }
  native.setRngState(state.handle);
}

/**
 * `torch.use_deterministic_algorithms`: ops without a deterministic
 * implementation then throw instead of running nondeterministically.
 *
 * @example
 * useDeterministicAlgorithms(true); areDeterministicAlgorithmsEnabled(); // true
 */
export function useDeterministicAlgorithms(enabled: boolean): void {
  if (typeof enabled !== 'boolean') throw new TypeError(`useDeterministicAlgorithms: expected a boolean, but got ${typeof enabled}`);
  native.setDeterministic(enabled);
}

/** Whether deterministic algorithms are required (`torch.are_deterministic_algorithms_enabled`). */
export const areDeterministicAlgorithmsEnabled = (): boolean => native.isDeterministic();

/**
 * Sets libtorch's intra-op thread count, at most `maxThreads` (4 × the cores):
 * past the process's thread limit OpenMP would wait forever for threads it cannot create.
 *
 * @example
 * setNumThreads(4);
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`setNumThreads: expected a positive integer but got ${n}`);
  if (n > maxThreads) {
    throw new RangeError(`setNumThreads: expected at most ${maxThreads} threads (4 × ${availableParallelism()} cores), but got ${n}`);
  }
  native.setNumThreads(n);
}

/**
 * The number of threads libtorch uses inside one op (torch.get_num_threads).
 *
 * @example
 * getNumThreads(); // e.g. 2
 */
export const getNumThreads = (): number => native.getNumThreads();
/** libtorch's version, e.g. "1.13.0". */
export const version = (): string => native.version();
/** libtorch's build configuration (BLAS, CPU capability, CUDA...). */
export const showConfig = (): string => native.showConfig();
/**
 * libtorch's report on its thread pools and parallel backend (torch.__config__.parallel_info()), for diagnosing threads.
 *
 * @example
 * console.log(parallelInfo());
 */
export const parallelInfo = (): string => native.parallelInfo();

/** CUDA device queries, as in torch.cuda. @example const device = cuda.isAvailable() ? 'cuda' : 'cpu'; */
export const cuda = {
  /** Whether libtorch sees a CUDA device (torch.cuda.is_available()); false on a CPU-only build. @example cuda.isAvailable(); */
  isAvailable: (): boolean => native.cudaDeviceCount() > 0,
  /** The number of visible CUDA devices (torch.cuda.device_count()). @example cuda.deviceCount(); // 0 without a GPU */
  deviceCount: (): number => native.cudaDeviceCount(),
};

/** Mixed-precision scope options: bf16 on CPU; fp16 or bf16 on CUDA. */
export interface AutocastOptions {
  device?: 'cpu' | 'cuda';
  dtype?: 'bfloat16' | 'float16';
  enabled?: boolean;
}

/** Runs `fn` with autocast on; the previous state is restored afterwards. */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  const device = options.device ?? 'cpu';
  const dtype = options.dtype ?? (device === 'cpu' ? 'bfloat16' : 'float16');
  if (device === 'cpu' && dtype !== 'bfloat16') throw new TypeError(`autocast: expected dtype bfloat16 on cpu but got ${dtype}`);
  const [wasEnabled, wasDtype] = native.autocastGet(device);
  native.autocastSet(device, options.enabled ?? true, dtypeCode(dtype));
  native.autocastNesting(1);
  try {
    return fn();
  } finally {
    native.autocastNesting(-1);
    native.autocastSet(device, wasEnabled, wasDtype);
  }
}
