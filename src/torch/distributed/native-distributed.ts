/**
 * The typed view of the addon's c10d entry points (native/distributed.cc).
 * The addon loads only through `../binding.ts`; this file adds the types.
 *
 * @example
 * import { distributedNative } from './native-distributed.js';
 * const store = distributedNative.tcpStoreCreate('127.0.0.1', 29500, 2, true, 30_000);
 */
import { native } from '../binding.js';
import type { TensorHandle } from '../binding.js';

/** An opaque c10d store handle (a TCPStore). */
export type StoreHandle = { readonly __storeHandle: unique symbol };
/** An opaque c10d process group handle (ProcessGroupGloo). */
export type GroupHandle = { readonly __groupHandle: unique symbol };
/** An opaque c10d::Reducer handle. */
export type ReducerHandle = { readonly __reducerHandle: unique symbol };

/** How Gloo picks the network device it binds: a host name or address, an interface name, or its own default. */
export type GlooDevice = { kind: 'hostname'; value: string } | { kind: 'interface'; value: string } | { kind: 'default' };

/** The addon's c10d surface; every call is synchronous and throws libtorch's or Gloo's message. */
export interface DistributedNative {
  tcpStoreCreate(host: string, port: number, worldSize: number, isServer: boolean, timeoutMs: number): StoreHandle;
  storeSet(store: StoreHandle, key: string, value: Uint8Array): void;
  storeGet(store: StoreHandle, key: string): ArrayBuffer;
  storeAdd(store: StoreHandle, key: string, delta: number): number;
  processGroupGlooCreate(
    store: StoreHandle,
    prefix: string,
    rank: number,
    worldSize: number,
    timeoutMs: number,
    device: GlooDevice['kind'],
    deviceValue: string | undefined,
  ): GroupHandle;
  groupAllreduce(group: GroupHandle, tensors: readonly TensorHandle[]): void;
  groupBroadcast(group: GroupHandle, tensors: readonly TensorHandle[], rootRank: number): void;
  groupBarrier(group: GroupHandle): void;
  groupAllgather(group: GroupHandle, tensor: TensorHandle): TensorHandle;
  reducerCreate(group: GroupHandle, params: readonly TensorHandle[], bucketCapBytes: number, firstBucketCapBytes: number): ReducerHandle;
  reducerPrepareForBackward(reducer: ReducerHandle): void;
  /** Training-mode batch norm over every rank's batch: [output, mean, unbiased var] (float64 stats). */
  syncBatchNorm(group: GroupHandle, input: TensorHandle, weight: TensorHandle, bias: TensorHandle, eps: number): TensorHandle[];
  distributedRelease(handle: StoreHandle | GroupHandle | ReducerHandle): boolean;
}

/** The addon, typed for its c10d entry points. */
export const distributedNative = native as unknown as DistributedNative;
