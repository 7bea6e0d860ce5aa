/**
 * `Tensor`: a libtorch tensor seen from TypeScript, with PyTorch's method
 * names in camelCase. Methods are thin: each delegates to the functional op of
 * the same name in `ops/`.
 *
 * @example
 * const x = torch.randn([4, 3]);
 * x.shape;                      // [4, 3]
 * x.mul(2).sum().item();        // a number
 * x.dispose();                  // or let a tidy() scope free it
 */
import { native } from './binding.js';
import type { MemoryLease, TensorHandle } from './binding.js';
import { checkDevice, dtypeCode, dtypeName, elementSize, memoryFormatCodes, typedArrayFromBuffer } from './dtype.js';
import type { DType, Device, MemoryFormat, TypedArrayFor } from './dtype.js';
import { track } from './memory.js';
import * as math from './ops/math.js';
import type { Operand } from './ops/math.js';
import * as reduce from './ops/reduce.js';
import type { ReduceOptions, ValuesIndices } from './ops/reduce.js';
import * as shapeOps from './ops/shape.js';
import * as indexing from './ops/indexing.js';
import * as F from './ops/nn-functional.js';
import { run, runT } from './ops/dispatch.js';

/** Options for `Tensor.to`. */
export interface ToOptions {
  device?: Device;
  dtype?: DType;
  memoryFormat?: MemoryFormat;
  copy?: boolean;
}

/** Nested number arrays, as `toArray()` returns them. */
export type NestedNumbers = number | boolean | NestedNumbers[];

export class Tensor implements Disposable {
  #handle: TensorHandle | null;
  #meta: [number, string, number[], boolean] | undefined;
  /** What it was (dtype and shape), kept by `dispose` for the use-after-dispose error. */
  #was = '';

  /** Wraps a native handle; the Tensor owns it. Use the creation functions instead. */
  constructor(handle: TensorHandle) {
    this.#handle = handle;
    track(this);
  }

  /** The native handle; throws "Tensor is disposed (it was float32 [2, 3])." after `dispose()`. */
  get handle(): TensorHandle {
    if (this.#handle === null) throw new Error(`Tensor is disposed (it was ${this.#was}).`);
    return this.#handle;
  }

  get #info(): [number, string, number[], boolean] {
    this.#meta ??= native.meta(this.handle);
    return this.#meta;
  }

  get shape(): number[] { return [...this.#info[2]]; }
  get dtype(): DType { return dtypeName(this.#info[0]); }
  get device(): Device { return this.#info[1] as Device; }
  get ndim(): number { return this.#info[2].length; }
  get isDisposed(): boolean { return this.#handle === null || native.isDisposed(this.#handle); }

  /** Size of one dimension (negative counts from the end), or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    const s = this.#info[2];
    if (dim === undefined) return [...s];
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size: expected dim in [${-s.length}, ${s.length - 1}] but got ${dim}`);
    return s[d];
  }
  numel(): number { return this.#info[2].reduce((a, b) => a * b, 1); }
  strides(): number[] { return native.strides(this.handle); }
  elementSize(): number { return elementSize(this.dtype); }

  isContiguous(memoryFormat: MemoryFormat = 'contiguous'): boolean {
    return native.isContiguous(this.handle, memoryFormatCodes[memoryFormat]);
  }

  /** Frees the native tensor now. Safe to call twice. */
  dispose(): void {
    if (this.#handle === null) return;
    this.#was = this.#describe();
    this.#meta = undefined; // shape and dtype throw from now on, like every other use
    native.dispose(this.#handle);
    this.#handle = null;
  }
  [Symbol.dispose](): void { this.dispose(); }

  #describe(): string {
    try {
      const [dtype, , shape] = this.#info;
      return `${dtypeName(dtype)} [${shape.join(', ')}]`;
    } catch {
      return 'a tensor freed by its addon handle';
    }
  }

  // ---- reading back ----
  /** A flat typed-array copy (float16/bfloat16 come back as float32, bool as 0/1 bytes). */
  data(): TypedArrayFor {
    const dtype = this.dtype;
    if (dtype === 'float16' || dtype === 'bfloat16') {
      using wide = this.to({ dtype: 'float32' });
      return wide.data();
    }
    return typedArrayFromBuffer(dtype, native.toBuffer(this.handle));
  }
  /** tfjs's name for `data()`: a synchronous flat typed-array copy. */
  dataSync(): TypedArrayFor { return this.data(); }
  /** Zero-copy view of a CPU contiguous tensor's memory (like `.numpy()`: writes show through). */
  dataShared(): TypedArrayFor {
    if (this.device !== 'cpu' || !this.isContiguous()) {
      throw new TypeError(`dataShared: expected a contiguous CPU tensor, but got ${this.toString()}${this.device === 'cpu' ? ' that is not contiguous' : ''}; use data() for a copy`);
    }
    return typedArrayFromBuffer(this.dtype, native.sharedBuffer(this.handle));
  }
  /**
   * A lease on this (contiguous CPU) tensor's memory for the image addon,
   * which writes batch pixels into it from libuv's thread pool. Unlike
   * `dataShared()` it makes no ArrayBuffer, so V8 does not count the memory
   * as its own external memory (which triggers garbage collections).
   */
  memoryLease(): MemoryLease {
    if (this.device !== 'cpu' || !this.isContiguous()) {
      throw new TypeError(`memoryLease: expected a contiguous CPU tensor, but got ${this.toString()}`);
    }
    return native.memoryLease(this.handle);
  }
  /** The values as nested arrays of numbers (booleans for bool tensors). */
  toArray(): NestedNumbers {
    const flat = this.data();
    const isBool = this.dtype === 'bool';
    const values: (number | boolean)[] = Array.from(flat as ArrayLike<number | bigint>, (v) => (isBool ? v !== 0 : Number(v)));
    const shape = this.#info[2];
    if (shape.length === 0) return values[0];
    const build = (dim: number, offset: number): NestedNumbers[] => {
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: shape[dim] }, (_, i) =>
        dim === shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  /** The one value of a one-element tensor. */
  item(): number {
    const v = native.item(this.handle);
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  // ---- autograd ----
  get requiresGrad(): boolean { return native.requiresGrad(this.handle); }
  set requiresGrad(value: boolean) { native.setRequiresGrad(this.handle, value); }
  requiresGrad_(value = true): this { native.setRequiresGrad(this.handle, value); return this; }
  /** The accumulated gradient (a new handle to it), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(value: Tensor | null) { native.setGrad(this.handle, value === null ? null : value.handle); }
  get isLeaf(): boolean { return native.isLeaf(this.handle); }
  get gradFn(): string | null { return native.gradFn(this.handle); }
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle ?? null, options.retainGraph, options.createGraph ?? false);
  }
  retainGrad(): this { native.retainGrad(this.handle); return this; }
  detach(): Tensor { return runT('aten::detach', '', [this]); }
  clone(memoryFormat: MemoryFormat = 'preserve'): Tensor { return runT('aten::clone', '', [this, memoryFormatCodes[memoryFormat]]); }
  /**
   * PyTorch's `t.data = src`: this tensor takes `src`'s storage, dtype and
   * device but keeps its identity, leaf state and `requiresGrad` (how
   * `Module.to` moves parameters in place). `src` may be disposed afterwards.
   */
  setData(src: Tensor): void {
    run('aten::set_data', '', [this, src]);
    this.#meta = undefined;
  }

  // ---- conversion ----
  /** Moves and/or casts: `to('cuda')`, `to('float16')`, `to({ device, dtype, memoryFormat })`. */
  to(target: Device | DType | ToOptions): Tensor {
    const options: ToOptions = typeof target === 'string' ? (target.startsWith('cpu') || target.startsWith('cuda') ? { device: target as Device } : { dtype: target as DType }) : target;
    const device = checkDevice(options.device ?? this.device);
    const dtype = dtypeCode(options.dtype ?? this.dtype);
    const format = options.memoryFormat === undefined ? null : memoryFormatCodes[options.memoryFormat];
    return runT('aten::to', 'device', [this, device, dtype, false, options.copy ?? false, format]);
  }
  float(): Tensor { return this.to({ dtype: 'float32' }); }
  double(): Tensor { return this.to({ dtype: 'float64' }); }
  long(): Tensor { return this.to({ dtype: 'int64' }); }
  int(): Tensor { return this.to({ dtype: 'int32' }); }
  bool(): Tensor { return this.to({ dtype: 'bool' }); }
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  contiguous(memoryFormat: MemoryFormat = 'contiguous'): Tensor { return shapeOps.contiguous(this, memoryFormat); }

  // ---- arithmetic ----
  add(other: Operand, alpha = 1): Tensor { return math.add(this, other, alpha); }
  sub(other: Operand, alpha = 1): Tensor { return math.sub(this, other, alpha); }
  mul(other: Operand): Tensor { return math.mul(this, other); }
  div(other: Operand, roundingMode?: 'trunc' | 'floor'): Tensor { return math.div(this, other, roundingMode); }
  pow(exponent: Operand): Tensor { return math.pow(this, exponent); }
  remainder(other: Operand): Tensor { return math.remainder(this, other); }
  neg(): Tensor { return math.neg(this); }
  abs(): Tensor { return math.abs(this); }
  sign(): Tensor { return math.sign(this); }
  exp(): Tensor { return math.exp(this); }
  log(): Tensor { return math.log(this); }
  sqrt(): Tensor { return math.sqrt(this); }
  rsqrt(): Tensor { return math.rsqrt(this); }
  square(): Tensor { return math.square(this); }
  reciprocal(): Tensor { return math.reciprocal(this); }
  floor(): Tensor { return math.floor(this); }
  round(): Tensor { return math.round(this); }
  clamp(min?: Operand | null, max?: Operand | null): Tensor { return math.clamp(this, min, max); }
  maximum(other: Tensor): Tensor { return math.maximum(this, other); }
  minimum(other: Tensor): Tensor { return math.minimum(this, other); }
  eq(other: Operand): Tensor { return math.eq(this, other); }
  ne(other: Operand): Tensor { return math.ne(this, other); }
  lt(other: Operand): Tensor { return math.lt(this, other); }
  le(other: Operand): Tensor { return math.le(this, other); }
  gt(other: Operand): Tensor { return math.gt(this, other); }
  ge(other: Operand): Tensor { return math.ge(this, other); }
  logicalNot(): Tensor { return math.logicalNot(this); }
  relu(): Tensor { return F.relu(this); }
  sigmoid(): Tensor { return F.sigmoid(this); }
  tanh(): Tensor { return F.tanh(this); }
  softmax(dim: number): Tensor { return F.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return F.logSoftmax(this, dim); }
  matmul(other: Tensor): Tensor { return F.matmul(this, other); }

  // ---- in place ----
  add_(other: Operand, alpha = 1): this { math.add_(this, other, alpha); return this; }
  sub_(other: Operand, alpha = 1): this { math.sub_(this, other, alpha); return this; }
  mul_(other: Operand): this { math.mul_(this, other); return this; }
  div_(other: Operand): this { math.div_(this, other); return this; }
  clamp_(min?: number | null, max?: number | null): this { math.clamp_(this, min, max); return this; }
  copy_(src: Tensor): this { math.copy_(this, src); return this; }
  zero_(): this { math.zero_(this); return this; }
  fill_(value: number | boolean): this { math.fill_(this, value); return this; }
  sqrt_(): this { math.sqrt_(this); return this; }
  relu_(): this { math.relu_(this); return this; }
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { math.addcmul_(this, t1, t2, value); return this; }
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { math.addcdiv_(this, t1, t2, value); return this; }
  lerp_(end: Tensor, weight: Operand): this { math.lerp_(this, end, weight); return this; }
  uniform_(from = 0, to = 1): this { math.uniform_(this, from, to); return this; }
  normal_(mean = 0, std = 1): this { math.normal_(this, mean, std); return this; }
  maskedFill_(mask: Tensor, value: number | boolean): this { indexing.maskedFill_(this, mask, value); return this; }

  // ---- reductions ----
  sum(options?: ReduceOptions): Tensor { return reduce.sum(this, options); }
  mean(options?: ReduceOptions): Tensor { return reduce.mean(this, options); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? reduce.max(this) : reduce.max(this, dim, keepdim); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? reduce.min(this) : reduce.min(this, dim, keepdim); }
  argmax(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.argmax(this, options); }
  argmin(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.argmin(this, options); }
  std(options?: ReduceOptions & { correction?: number }): Tensor { return reduce.std(this, options); }
  var(options?: ReduceOptions & { correction?: number }): Tensor { return reduce.variance(this, options); }
  norm(p = 2, options?: ReduceOptions): Tensor { return reduce.norm(this, p, options); }
  all(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.all(this, options); }
  any(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.any(this, options); }

  // ---- shape ----
  view(shape: readonly number[]): Tensor { return shapeOps.view(this, shape); }
  reshape(shape: readonly number[]): Tensor { return shapeOps.reshape(this, shape); }
  permute(dims: readonly number[]): Tensor { return shapeOps.permute(this, dims); }
  transpose(dim0: number, dim1: number): Tensor { return shapeOps.transpose(this, dim0, dim1); }
  t(): Tensor { return shapeOps.t(this); }
  squeeze(dim?: number): Tensor { return shapeOps.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return shapeOps.unsqueeze(this, dim); }
  expand(shape: readonly number[]): Tensor { return shapeOps.expand(this, shape); }
  expandAs(other: Tensor): Tensor { return shapeOps.expandAs(this, other); }
  flatten(startDim = 0, endDim = -1): Tensor { return shapeOps.flatten(this, startDim, endDim); }
  repeat(repeats: readonly number[]): Tensor { return shapeOps.repeat(this, repeats); }
  flip(dims: readonly number[]): Tensor { return shapeOps.flip(this, dims); }
  split(size: number | readonly number[], dim = 0): Tensor[] { return shapeOps.split(this, size, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return shapeOps.chunk(this, chunks, dim); }

  // ---- indexing ----
  select(dim: number, index: number): Tensor { return indexing.select(this, dim, index); }
  narrow(dim: number, start: number, length: number): Tensor { return indexing.narrow(this, dim, start, length); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return indexing.slice(this, dim, start, end, step); }
  indexSelect(dim: number, index: Tensor): Tensor { return indexing.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return indexing.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return indexing.scatter(this, dim, index, src); }
  index(indices: readonly (Tensor | null)[]): Tensor { return indexing.index(this, indices); }
  maskedFill(mask: Tensor, value: number | boolean): Tensor { return indexing.maskedFill(this, mask, value); }
  maskedSelect(mask: Tensor): Tensor { return indexing.maskedSelect(this, mask); }
  topk(k: number, options?: { dim?: number; largest?: boolean; sorted?: boolean }): ValuesIndices { return indexing.topk(this, k, options); }
  sort(options?: { dim?: number; descending?: boolean; stable?: boolean }): ValuesIndices { return indexing.sort(this, options); }
  argsort(options?: { dim?: number; descending?: boolean }): Tensor { return indexing.argsort(this, options); }

  toString(): string {
    return this.#handle === null ? 'Tensor(disposed)' : `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}
