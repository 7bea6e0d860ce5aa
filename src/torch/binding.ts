/**
 * The one place that loads the compiled libtorch addon (through
 * `loadAddon`, which the image addon's loader shares). Everything above uses
 * the typed `native` object; the addon's own files document each entry point.
 *
 * @example
 * import { native } from './binding.js';
 * native.getNumThreads(); // 2
 */
import { availableParallelism } from 'node:os';
import { loadAddon } from './load-addon.js';

/** An opaque libtorch tensor handle owned by the addon. */
export type TensorHandle = { readonly __tensorHandle: unique symbol };
/** A lease on a CPU tensor's memory that the image addon can write to (native/memory-lease.h); keeps the memory alive. */
export type MemoryLease = { readonly __memoryLease: unique symbol };
/** An opaque c10 dispatcher operator handle. */
export type OpHandle = { readonly __opHandle: unique symbol };

/** Values the dispatcher accepts for an operator argument. */
export type OpArg =
  TensorHandle | number | boolean | string | null | undefined | { float: number } | readonly (number | boolean | TensorHandle | null)[];

/** Values an operator returns. */
export type OpResult = TensorHandle | number | boolean | string | null | OpResult[];

/** The full native surface. */
export interface NativeBinding {
  opHandle(name: string, overload: string): OpHandle;
  callOp(op: OpHandle, args: readonly OpArg[]): OpResult;
  opSchema(op: OpHandle): string;
  fromBuffer(data: ArrayBufferView | ArrayBuffer, shape: readonly number[], dtype: number): TensorHandle;
  toBuffer(h: TensorHandle): ArrayBuffer;
  sharedBuffer(h: TensorHandle): ArrayBuffer;
  memoryLease(h: TensorHandle): MemoryLease;
  releaseMemoryLease(lease: MemoryLease): boolean;
  storageUseCount(h: TensorHandle): number;
  meta(h: TensorHandle): [dtype: number, device: string, shape: number[], requiresGrad: boolean];
  strides(h: TensorHandle): number[];
  isContiguous(h: TensorHandle, memoryFormat: number): boolean;
  item(h: TensorHandle): number | boolean;
  dispose(h: TensorHandle): boolean;
  isDisposed(h: TensorHandle): boolean;
  nbytes(h: TensorHandle): number;
  liveHandles(): [count: number, bytes: number];
  requiresGrad(h: TensorHandle): boolean;
  setRequiresGrad(h: TensorHandle, value: boolean): void;
  grad(h: TensorHandle): TensorHandle | null;
  setGrad(h: TensorHandle, g: TensorHandle | null): void;
  backward(h: TensorHandle, gradient: TensorHandle | null, retainGraph: boolean | undefined, createGraph: boolean): void;
  retainGrad(h: TensorHandle): void;
  isLeaf(h: TensorHandle): boolean;
  gradFn(h: TensorHandle): string | null;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  manualSeed(seed: number): void;
  getRngState(): TensorHandle;
  setRngState(state: TensorHandle): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setDeterministic(enabled: boolean): void;
  isDeterministic(): boolean;
  version(): string;
  showConfig(): string;
  parallelInfo(): string;
  cudaDeviceCount(): number;
  autocastGet(device: 'cpu' | 'cuda'): [enabled: boolean, dtype: number];
  autocastSet(device: 'cpu' | 'cuda', enabled: boolean, dtype: number): void;
  autocastNesting(delta: 1 | -1): number;
  /** Fused Adam/AdamW update (native/optim.cc); false when the tensors are not contiguous float32 CPU tensors. */
  adamStep(
    param: TensorHandle,
    grad: TensorHandle,
    expAvg: TensorHandle,
    expAvgSq: TensorHandle,
    maxExpAvgSq: TensorHandle | null,
    decay: number,
    beta1: number,
    beta2: number,
    stepSize: number,
    bc2Sqrt: number,
    eps: number,
  ): boolean;
  /** Fused SGD update with an existing momentum buffer or none (native/optim.cc); false as adamStep. */
  sgdStep(
    param: TensorHandle,
    grad: TensorHandle,
    momentumBuffer: TensorHandle | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
  ): boolean;
  /**
   * adamStep for a whole param group in one call and one parallel region (native/optim.cc): each row's
   * own stepSize and bc2Sqrt, the group's scalars once. Per row: 1 updated, 0 untouched (per-op path).
   */
  adamStepMany(
    params: readonly TensorHandle[],
    grads: readonly TensorHandle[],
    expAvgs: readonly TensorHandle[],
    expAvgSqs: readonly TensorHandle[],
    maxExpAvgSqs: readonly TensorHandle[] | null,
    stepSizes: Float64Array,
    bc2Sqrts: Float64Array,
    decay: number,
    beta1: number,
    beta2: number,
    eps: number,
  ): Uint8Array;
  /** sgdStep for a whole param group in one call (native/optim.cc); per row 1 updated, 0 untouched. */
  sgdStepMany(
    params: readonly TensorHandle[],
    grads: readonly TensorHandle[],
    momentumBuffers: readonly TensorHandle[] | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
  ): Uint8Array;
}

/**
 * The most intra-op threads accepted: 4 × the cores. Far more only slows
 * work down, and past the process's thread limit OpenMP waits forever for
 * threads it cannot create.
 */
export const maxThreads = 4 * availableParallelism();

// OpenMP reads OMP_NUM_THREADS when libtorch loads: clamp it first, so a huge value cannot hang start-up.
const requestedThreads = Number.parseInt(process.env.OMP_NUM_THREADS ?? '', 10);
if (Number.isInteger(requestedThreads) && requestedThreads > maxThreads) {
  process.emitWarning(
    `OMP_NUM_THREADS: expected at most ${maxThreads} threads (4 × ${availableParallelism()} cores), but got ${requestedThreads}; using ${maxThreads}`,
  );
  process.env.OMP_NUM_THREADS = String(maxThreads);
}

let loaded: NativeBinding | null = null;

/**
 * The addon, loaded on first use: importing the library (to validate a
 * config against the components' schemas, say) does not load libtorch.
 * libtorch starts with one intra-op thread: give it the machine's cores,
 * unless OMP_NUM_THREADS asks for a number (as PyTorch honours it).
 */
function load(): NativeBinding {
  if (loaded !== null) return loaded;
  loaded = loadAddon<NativeBinding>('classifier_training.node', 'the native addon', [
    'build it: npm run build:native (needs libtorch: apt-get install -y libtorch-dev libopenblas0-openmp)',
    'with an official libtorch: LIBTORCH=/path/to/libtorch npm rebuild classifier-training',
    'if libtorch moved, rebuild so the addon links against the new place',
  ]);
  loaded.setNumThreads(
    Number.isInteger(requestedThreads) && requestedThreads > 0 ? Math.min(requestedThreads, maxThreads) : availableParallelism(),
  );
  return loaded;
}

/** True once something has used the addon (libtorch is loaded). @example isNativeLoaded(); */
export const isNativeLoaded = (): boolean => loaded !== null;

export const native: NativeBinding = new Proxy({} as NativeBinding, {
  get: (_target, key) => Reflect.get(load(), key) as unknown,
  has: (_target, key) => Reflect.has(load(), key),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_target, key) => {
    const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
    return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
  },
});
