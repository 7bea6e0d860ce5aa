/**
 * Tensor creation: from data, constant fills, ranges and random draws.
 * Floating-point results default to float32, as in PyTorch.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]]);           // float32 [2, 2]
 * const i = tensor(new BigInt64Array([1n, 2n])); // int64 [2]
 */
import { native } from '../binding.js';
import { checkDevice, dtypeCode, dtypeOfTypedArray, isFloatingPoint, memoryFormatCodes } from '../dtype.js';
import type { DType, Device } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { runT } from './dispatch.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

/** Nested arrays of numbers or booleans. */
export type NestedArray = number | boolean | bigint | readonly NestedArray[];

function finish(t: Tensor, options: CreateOptions): Tensor {
  let out = t;
  if (options.device !== undefined && checkDevice(options.device) !== 'cpu') {
    out = t.to(options.device);
    t.dispose();
  }
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

function where(index: readonly number[]): string {
  return `[${index.join(', ')}]`;
}

function show(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function flatten(data: NestedArray, shape: number[], out: (number | boolean | bigint)[], index: number[]): void {
  const depth = index.length;
  if (!Array.isArray(data)) {
    const kind = typeof data;
    if (kind !== 'number' && kind !== 'boolean' && kind !== 'bigint')
      throw new TypeError(`tensor: expected numbers, booleans or bigints, but got ${kind} ${show(data)} at ${where(index)}`);
    if (depth !== shape.length) throw new TypeError(`tensor: expected a rectangular nested array, but got a number at ${where(index)}`);
    out.push(data as number | boolean | bigint);
    return;
  }
  const items = data as readonly NestedArray[];
  if (depth === shape.length) {
    // The first leaf fixed the depth; an array past it is ragged.
    if (out.length > 0) throw new TypeError(`tensor: expected a rectangular nested array, but got an array at ${where(index)}`);
    shape.push(items.length);
  } else if (shape[depth] !== items.length) {
    throw new TypeError(`tensor: expected ${shape[depth]} entries at depth ${depth} but got ${items.length}`);
  }
  items.forEach((item, i) => flatten(item, shape, out, [...index, i]));
}

/** The multi-index of flat element `i` in `shape`. */
function indexOf(i: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return index;
}

const integerRange: Partial<Record<DType, [bigint, bigint]>> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  int16: [-(1n << 15n), (1n << 15n) - 1n],
  int8: [-128n, 127n],
  uint8: [0n, 255n],
};

/** Integers for an integer dtype, truncated toward zero as PyTorch does; NaN, infinities and out-of-range values refused. */
function integers(values: readonly (number | boolean | bigint)[], shape: readonly number[], target: DType): BigInt64Array {
  const [low, high] = integerRange[target] ?? integerRange.int64!;
  return BigInt64Array.from(values, (v, i) => {
    const n = typeof v === 'bigint' ? v : typeof v === 'boolean' ? BigInt(v) : Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
    if (n === null || n < low || n > high) {
      throw new RangeError(
        `tensor: expected values that fit ${target} [${low}, ${high}], but got ${show(v)} at ${where(indexOf(i, shape))}`,
      );
    }
    return n;
  });
}

function fromValues(values: (number | boolean | bigint)[], shape: number[], dtype: DType | undefined): Tensor {
  const first = values[0];
  const inferred: DType = typeof first === 'boolean' ? 'bool' : typeof first === 'bigint' ? 'int64' : 'float32';
  const target = dtype ?? inferred;
  const mixed = values.findIndex((v) => typeof v !== typeof first);
  if (mixed >= 0 && (typeof first === 'bigint' || typeof values[mixed] === 'bigint'))
    throw new TypeError(
      `tensor: expected ${typeof first}s throughout, but got ${typeof values[mixed]} ${show(values[mixed])} at ${where(indexOf(mixed, shape))}`,
    );
  let buffer: ArrayBufferView;
  if (inferred === 'bool') buffer = Uint8Array.from(values, (v) => (v ? 1 : 0));
  else if (inferred === 'int64' || target in integerRange)
    buffer = integers(values, shape, inferred === 'int64' && !(target in integerRange) ? 'int64' : target);
  else buffer = Float64Array.from(values as number[]);
  const base = new Tensor(
    native.fromBuffer(buffer, shape, dtypeCode(dtypeOfTypedArray(buffer) === 'uint8' ? 'bool' : dtypeOfTypedArray(buffer))),
  );
  if (base.dtype === target) return base;
  const cast = base.to(target);
  base.dispose();
  return cast;
}

/**
 * Makes a tensor from a typed array (copied), nested arrays, or a number.
 * Numbers become float32 unless `dtype` says otherwise; bigints int64; booleans bool.
 */
export function tensor(data: NestedArray | ArrayBufferView, options: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  let t: Tensor;
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    const count = data.byteLength / (data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const shape = options.shape ?? [count];
    t = new Tensor(native.fromBuffer(data, shape, dtypeCode(own)));
    if (options.dtype !== undefined && options.dtype !== own) {
      const cast = t.to(options.dtype);
      t.dispose();
      t = cast;
    }
  } else {
    const shape: number[] = [];
    const values: (number | boolean | bigint)[] = [];
    flatten(data, shape, values, []);
    if (values.length === 0) return finish(zeros(shape, { dtype: options.dtype }), options);
    t = fromValues(values, shape, options.dtype);
    if (options.shape !== undefined) {
      const reshaped = t.reshape(options.shape);
      t.dispose();
      t = reshaped;
    }
  }
  return finish(t, options);
}

function factoryArgs(options: CreateOptions, fallback: DType = 'float32'): [number, null, string, null] {
  return [dtypeCode(options.dtype ?? fallback), null, checkDevice(options.device ?? 'cpu'), null];
}

/**
 * A tensor of zeros (torch.zeros), float32 on the CPU unless `dtype` or `device` says otherwise.
 *
 * @example
 * zeros([2, 3], { dtype: 'int64' });
 */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(runT('aten::zeros', '', [shape, ...factoryArgs(options)]), { requiresGrad: options.requiresGrad });
}

/**
 * A tensor of ones (torch.ones), float32 on the CPU unless `dtype` or `device` says otherwise.
 *
 * @example
 * ones([4], { device: 'cuda' });
 */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(runT('aten::ones', '', [shape, ...factoryArgs(options)]), { requiresGrad: options.requiresGrad });
}

/**
 * An uninitialised tensor (torch.empty): cheaper than `zeros` when every element is written before it is read.
 *
 * @example
 * empty([n]).uniform_(-1, 1);
 */
export function empty(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(runT('aten::empty', 'memory_format', [shape, ...factoryArgs(options)]), { requiresGrad: options.requiresGrad });
}

/** A tensor filled with `value`; float32 unless `dtype` is given (bool for a boolean value). */
export function full(shape: readonly number[], value: number | boolean, options: CreateOptions = {}): Tensor {
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const fill = typeof value === 'number' && isFloatingPoint(dtype) ? { float: value } : value;
  return finish(runT('aten::full', '', [shape, fill, ...factoryArgs({ ...options, dtype })]), { requiresGrad: options.requiresGrad });
}

/** `arange(end)` or `arange(start, end, step)`; int64 when all are integers, else float32. */
export function arange(start: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(from) && Number.isInteger(to) && Number.isInteger(step);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return finish(runT('aten::arange', 'start_step', [from, to, step, ...factoryArgs({ ...options, dtype })]), {
    requiresGrad: options.requiresGrad,
  });
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (torch.linspace); float32 unless `dtype` is given.
 *
 * @example
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  return finish(runT('aten::linspace', '', [{ float: start }, { float: end }, steps, ...factoryArgs(options)]), {
    requiresGrad: options.requiresGrad,
  });
}

/** An n x m matrix with ones on the diagonal (torch.eye); `m` defaults to `n`, float32 unless `dtype` is given. @example eye(3); */
export function eye(n: number, m: number = n, options: CreateOptions = {}): Tensor {
  return finish(runT('aten::eye', 'm', [n, m, ...factoryArgs(options)]), { requiresGrad: options.requiresGrad });
}

/** Uniform [0, 1) samples from the global generator (see `manualSeed`). */
export function rand(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(runT('aten::rand', '', [shape, ...factoryArgs(options)]), { requiresGrad: options.requiresGrad });
}

/** Standard normal samples from the global generator. */
export function randn(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(runT('aten::randn', '', [shape, ...factoryArgs(options)]), { requiresGrad: options.requiresGrad });
}

/** Integers in [low, high), int64 by default. */
export function randint(low: number, high: number, shape: readonly number[], options: CreateOptions = {}): Tensor {
  return finish(runT('aten::randint', 'low', [low, high, shape, ...factoryArgs(options, 'int64')]), {});
}

/** A random permutation of 0..n-1, int64. */
export function randperm(n: number, options: CreateOptions = {}): Tensor {
  return finish(runT('aten::randperm', '', [n, ...factoryArgs(options, 'int64')]), {});
}

/** Draws 0/1 with the probabilities in `probs` (or with probability `p` in `probs`' shape). */
export function bernoulli(probs: Tensor, p?: number): Tensor {
  return p === undefined ? runT('aten::bernoulli', '', [probs, null]) : runT('aten::bernoulli', 'p', [probs, p, null]);
}

/** `*_like` factory arguments: the tensor's dtype and device unless given, and its memory format (PyTorch's `preserve`). */
function likeArgs(t: Tensor, options: CreateOptions): [number, null, string, null, number] {
  return [dtypeCode(options.dtype ?? t.dtype), null, checkDevice(options.device ?? t.device), null, memoryFormatCodes.preserve];
}

/** Zeros shaped, typed and laid out (contiguous or channels-last) like `t`, as torch.zeros_like. */
export function zerosLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return finish(runT('aten::zeros_like', '', [t, ...likeArgs(t, options)]), { requiresGrad: options.requiresGrad });
}

/** Ones shaped, typed and laid out like `t` (torch.ones_like); `options` override the dtype or device. @example onesLike(x); */
export function onesLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return finish(runT('aten::ones_like', '', [t, ...likeArgs(t, options)]), { requiresGrad: options.requiresGrad });
}

/**
 * `value` in `t`'s shape, dtype, device and memory format (torch.full_like); `options` override the dtype or device.
 *
 * @example
 * fullLike(logits, -Infinity);
 */
export function fullLike(t: Tensor, value: number | boolean, options: CreateOptions = {}): Tensor {
  const dtype = options.dtype ?? t.dtype;
  const fill = typeof value === 'number' && isFloatingPoint(dtype) ? { float: value } : value;
  return finish(runT('aten::full_like', '', [t, fill, ...likeArgs(t, { ...options, dtype })]), { requiresGrad: options.requiresGrad });
}

/** Uniform [0, 1) samples shaped, typed and laid out like `t` (torch.rand_like); needs a floating-point dtype. @example randLike(x); */
export function randLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return runT('aten::rand_like', '', [t, ...likeArgs(t, options)]);
}

/**
 * Standard normal samples shaped, typed and laid out like `t` (torch.randn_like); needs a floating-point dtype.
 *
 * @example
 * randnLike(x).mul(0.1);
 */
export function randnLike(t: Tensor, options: CreateOptions = {}): Tensor {
  return runT('aten::randn_like', '', [t, ...likeArgs(t, options)]);
}
