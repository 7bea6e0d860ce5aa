/**
 * What a `torch.save` pickle may contain, as the restricted unpickler sees
 * it: the allowlist of globals (tensor and parameter rebuilders, storage
 * classes, OrderedDict, torch.Size) and the descriptions they produce.
 * Nothing native is made here: a tensor is first a `TensorRef` (a storage,
 * an offset, a size and a stride), checked against its storage, so a file is
 * validated completely before any memory is allocated for it.
 *
 * @example
 * const globals = pthGlobals('model.pth');
 * const root = unpickle(pickleBytes, { source: 'model.pth', globals, persistentLoad });
 */
import { SerializationError } from '../../errors.js';
import { elementSize } from '../dtype.js';
import type { DType } from '../dtype.js';
import { numelOverflows } from './shape-check.js';
import { PickleDict, PickleGlobalRef, describe } from './unpickler.js';
import type { PickleGlobal } from './unpickler.js';

/** One storage file of the archive (`<prefix>/data/<key>`), typed. */
export interface StorageRef {
  key: string;
  dtype: DType;
  numel: number;
  bytes: Uint8Array;
}

/** A tensor as the pickle describes it: a strided view on a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {}
}

/** A storage class global (`torch.FloatStorage`, ...): the dtype it stands for, or null when we cannot hold it. */
export interface StorageClass extends PickleGlobal {
  storageDtype: DType | null;
}

const storageClasses: Record<string, DType | null> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexFloatStorage: null,
  ComplexDoubleStorage: null,
  QInt8Storage: null,
  QUInt8Storage: null,
  QInt32Storage: null,
  QUInt4x2Storage: null,
  QUInt2x4Storage: null,
};

function fail(source: string, expected: string, got: string): never {
  throw new SerializationError(`pth: ${source}: expected ${expected}, but got ${got}`);
}

function intTuple(source: string, what: string, value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(source, `${what} as a tuple of non-negative integers`, describe(value));
  }
  return value as number[];
}

/** Checks that every element the view can reach lies inside its storage, without allocating anything. */
export function checkView(source: string, ref: TensorRef): void {
  const { size, stride, offset, storage } = ref;
  if (size.length !== stride.length)
    fail(source, `as many strides as sizes`, `size [${size.join(', ')}] and stride [${stride.join(', ')}]`);
  if (size.length > 64) fail(source, 'at most 64 dimensions', `${size.length}`);
  if (numelOverflows(size, elementSize(storage.dtype)))
    fail(source, 'a size whose element count fits in int64', `size [${size.join(', ')}], which overflows`);
  let last = BigInt(offset);
  const empty = size.includes(0);
  for (let i = 0; i < size.length && !empty; i++) last += BigInt(size[i] - 1) * BigInt(stride[i]);
  const bound = empty ? BigInt(offset) <= BigInt(storage.numel) : last < BigInt(storage.numel);
  if (!bound) {
    fail(
      source,
      `a view inside storage '${storage.key}' (${storage.numel} elements)`,
      `offset ${offset}, size [${size.join(', ')}], stride [${stride.join(', ')}] reaching element ${last}`,
    );
  }
}

function rebuildTensor(source: string, args: readonly unknown[]): TensorRef {
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None)
  if (args.length < 6 || args.length > 7) fail(source, '6 or 7 arguments to _rebuild_tensor_v2', `${args.length}`);
  const [storage, offset, size, stride, requiresGrad, hooks] = args;
  if (storage === null || typeof storage !== 'object' || !('bytes' in storage))
    fail(source, 'a storage as the first argument of _rebuild_tensor_v2', describe(storage));
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) fail(source, 'a non-negative storage offset', describe(offset));
  if (typeof requiresGrad !== 'boolean') fail(source, 'requires_grad as a bool', describe(requiresGrad));
  if (hooks instanceof PickleDict && hooks.size > 0) fail(source, 'no backward hooks', `${hooks.size}`);
  const ref = new TensorRef(
    storage as StorageRef,
    offset as number,
    intTuple(source, 'size', size),
    intTuple(source, 'stride', stride),
    requiresGrad,
  );
  checkView(source, ref);
  return ref;
}

function rebuildParameter(source: string, args: readonly unknown[]): TensorRef {
  // _rebuild_parameter(data, requires_grad, backward_hooks) and _rebuild_parameter_with_state(..., state)
  const [data, requiresGrad] = args;
  if (!(data instanceof TensorRef)) fail(source, 'a tensor as the data of a Parameter', describe(data));
  if (typeof requiresGrad !== 'boolean') fail(source, 'requires_grad as a bool', describe(requiresGrad));
  return new TensorRef(data.storage, data.offset, data.size, data.stride, requiresGrad);
}

function orderedDict(source: string, args: readonly unknown[]): PickleDict {
  const dict = new PickleDict();
  if (args.length === 0) return dict;
  if (args.length !== 1 || !Array.isArray(args[0])) fail(source, 'OrderedDict() or OrderedDict(pairs)', describe(args));
  for (const pair of args[0] as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) fail(source, 'key/value pairs for OrderedDict', describe(pair));
    dict.set(pair[0], pair[1]);
  }
  return dict;
}

/** The allowlist for a `torch.save` pickle; `source` names the file in errors. */
export function pthGlobals(source: string): Map<string, PickleGlobal> {
  const globals = new Map<string, PickleGlobal>([
    ['collections.OrderedDict', { call: (args) => orderedDict(source, args) }],
    ['torch._utils._rebuild_tensor_v2', { call: (args) => rebuildTensor(source, args) }],
    ['torch._utils._rebuild_parameter', { call: (args) => rebuildParameter(source, args) }],
    ['torch._utils._rebuild_parameter_with_state', { call: (args) => rebuildParameter(source, args) }],
    ['torch.Size', { call: (args) => intTuple(source, 'torch.Size', args[0]) }],
  ]);
  for (const [name, dtype] of Object.entries(storageClasses)) {
    const storageClass: StorageClass = { storageDtype: dtype };
    globals.set(`torch.${name}`, storageClass);
  }
  return globals;
}

/** The storage a persistent id `('storage', torch.XStorage, key, location, numel)` names; `read` returns the entry's bytes. */
export function storageFromPid(source: string, pid: unknown, read: (key: string) => Uint8Array): StorageRef {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage')
    fail(source, "a persistent id ('storage', type, key, location, numel)", describe(pid));
  const [, type, key, location, numel] = pid as unknown[];
  const storageType = type instanceof PickleGlobalRef ? (type.global as Partial<StorageClass>) : undefined;
  if (storageType?.storageDtype === undefined) fail(source, 'a storage class such as torch.FloatStorage', describe(type));
  const dtype = storageType.storageDtype;
  if (dtype === null) {
    const supported = Object.entries(storageClasses)
      .filter(([, d]) => d !== null)
      .map(([n, d]) => `${n} (${d})`)
      .join(', ');
    fail(source, `a storage of a supported dtype: ${supported}`, describe(type));
  }
  if (typeof key !== 'string' || !/^[\w.-]+$/.test(key)) fail(source, 'a storage key of letters and digits', describe(key));
  if (typeof location !== 'string') fail(source, "a storage location such as 'cpu'", describe(location));
  if (!Number.isSafeInteger(numel) || (numel as number) < 0) fail(source, 'a non-negative storage size', describe(numel));
  const bytes = read(key);
  const expected = (numel as number) * elementSize(dtype);
  if (bytes.byteLength !== expected) {
    fail(
      source,
      `${expected} bytes in storage '${key}' (${numel} ${dtype} elements)`,
      `${bytes.byteLength} bytes (the file is truncated or damaged)`,
    );
  }
  // libtorch assumes bools are 0 or 1; other bytes are undefined behaviour in its kernels.
  if (dtype === 'bool' && bytes.some((b) => b > 1)) fail(source, `storage '${key}' (bool) to hold only bytes 0 and 1`, 'other bytes');
  return { key, dtype, numel: numel as number, bytes };
}
