/**
 * Data types and devices, with PyTorch's names and libtorch's codes.
 *
 * @example
 * dtypeCode('float32'); // 6 (c10::ScalarType::Float)
 */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool' | 'int8' | 'int16';
/** `cpu`, `cuda` or `cuda:<n>`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
/** PyTorch's memory formats. */
export type MemoryFormat = 'contiguous' | 'preserve' | 'channelsLast';

const codes: Record<DType, number> = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};
const names = new Map<number, DType>(Object.entries(codes).map(([name, code]) => [code, name as DType]));

/** All supported dtype names. */
export const dtypes = Object.keys(codes) as DType[];

/** libtorch's c10::ScalarType code for a dtype name. */
export function dtypeCode(dtype: DType): number {
  const code = codes[dtype];
  if (code === undefined) throw new TypeError(`dtype: expected one of ${dtypes.join(', ')} but got ${String(dtype)}`);
  return code;
}

/** The dtype name for a c10::ScalarType code. */
export function dtypeName(code: number): DType {
  const name = names.get(code);
  if (name === undefined) throw new TypeError(`dtype: unsupported libtorch scalar type code ${code}`);
  return name;
}

/** Bytes per element. */
export function elementSize(dtype: DType): number {
  switch (dtype) {
    case 'uint8':
    case 'int8':
    case 'bool':
      return 1;
    case 'int16':
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'int32':
    case 'float32':
      return 4;
    case 'int64':
    case 'float64':
      return 8;
  }
}

/**
 * Whether a dtype is float32, float64, float16 or bfloat16 (torch.is_floating_point, applied to a dtype).
 *
 * @example
 * isFloatingPoint(x.dtype);
 */
export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** The typed array `data()` returns for a dtype (float16/bfloat16 are widened to float32). */
export type TypedArrayFor = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array;

export function typedArrayFromBuffer(dtype: DType, buffer: ArrayBuffer): TypedArrayFor {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    default:
      throw new TypeError(`typedArrayFromBuffer: ${dtype} has no typed array; convert it first`);
  }
}

/** The dtype a typed array holds, when it is unambiguous. */
export function dtypeOfTypedArray(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  throw new TypeError(
    `tensor: expected Float32Array, Float64Array, Int32Array, BigInt64Array, Uint8Array, Int8Array or Int16Array but got ${data.constructor.name}`,
  );
}

import { native } from './binding.js';

const devicePattern = /^(cpu|cuda(:\d+)?)$/;

/** Checks a device string, and that a CUDA device exists in this libtorch. */
export function checkDevice(device: string): Device {
  if (!devicePattern.test(device)) throw new TypeError(`device: expected 'cpu', 'cuda' or 'cuda:<n>' but got '${device}'`);
  if (device !== 'cpu') {
    const count = native.cudaDeviceCount();
    const index = device === 'cuda' ? 0 : Number(device.slice(5));
    if (index >= count) {
      const why =
        count === 0
          ? 'this libtorch sees no CUDA device (a CPU-only build, or no GPU; see classifier-training doctor)'
          : `this machine has ${count} CUDA device(s)`;
      throw new TypeError(`device: expected an available device, but got '${device}': ${why}`);
    }
  }
  return device as Device;
}

export const memoryFormatCodes: Record<MemoryFormat, number> = { contiguous: 0, preserve: 1, channelsLast: 2 };
