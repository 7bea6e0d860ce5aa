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

/**
 * A libtorch tensor (torch.Tensor): an n-dimensional array of one dtype on one device, with PyTorch's methods in camelCase that
 * delegate to the functional ops. It holds native memory V8 does not see: free it with `dispose()`, `using` or a `tidy()` scope.
 *
 * @example
 * const total = torch.tidy(() => torch.randn([4, 3]).mul(2).sum().item());
 */
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
  /** The number of elements, the product of the shape (torch.Tensor.numel); 1 for a 0-d tensor. @example x.numel(); // 12 for [3, 4] */
  numel(): number { return this.#info[2].reduce((a, b) => a * b, 1); }
  /** Memory steps per index of each dimension, in elements (torch.Tensor.stride()). @example x.strides(); // [4, 1] for [3, 4] */
  strides(): number[] { return native.strides(this.handle); }
  /** Bytes per element of this dtype (torch.Tensor.element_size). @example x.numel() * x.elementSize(); // bytes of data */
  elementSize(): number { return elementSize(this.dtype); }

  /** Whether memory is dense in `memoryFormat`'s order (torch.Tensor.is_contiguous). @example x.isContiguous('channelsLast'); */
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
  /** `using` support: frees the native tensor when the enclosing block ends, as `dispose()` does. @example { using y = x.mul(2); } */
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
  /** Sets `requiresGrad` in place and returns this tensor (torch.Tensor.requires_grad_). @example torch.randn([3]).requiresGrad_(); */
  requiresGrad_(value = true): this { native.setRequiresGrad(this.handle, value); return this; }
  /** The accumulated gradient (a new handle to it), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(value: Tensor | null) { native.setGrad(this.handle, value === null ? null : value.handle); }
  get isLeaf(): boolean { return native.isLeaf(this.handle); }
  get gradFn(): string | null { return native.gradFn(this.handle); }
  /** Backpropagates into the leaves' `.grad` (torch.Tensor.backward); a non-scalar needs `gradient`. @example loss.backward(); */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle ?? null, options.retainGraph, options.createGraph ?? false);
  }
  /** Keeps `.grad` of this non-leaf tensor after `backward` (torch.Tensor.retain_grad). @example h.retainGrad(); */
  retainGrad(): this { native.retainGrad(this.handle); return this; }
  /** The same data cut from the autograd graph, as a view (torch.Tensor.detach). @example const target = pred.detach(); */
  detach(): Tensor { return runT('aten::detach', '', [this]); }
  /** A copy with its own memory that autograd tracks (torch.Tensor.clone); keeps the layout by default. @example x.clone(); */
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
  /** Cast to float32, as `to('float32')` (torch.Tensor.float); shares the data if already float32. @example labels.float(); */
  float(): Tensor { return this.to({ dtype: 'float32' }); }
  /** Cast to float64 (torch.Tensor.double), as `to('float64')`. @example x.double(); */
  double(): Tensor { return this.to({ dtype: 'float64' }); }
  /** Cast to int64 (torch.Tensor.long), as `to('int64')`; floats are truncated toward zero. @example x.long(); */
  long(): Tensor { return this.to({ dtype: 'int64' }); }
  /** Cast to int32 (torch.Tensor.int), as `to('int32')`; floats are truncated toward zero. @example x.int(); */
  int(): Tensor { return this.to({ dtype: 'int32' }); }
  /** Cast to bool (torch.Tensor.bool), as `to('bool')`: nonzero becomes true. @example x.bool(); */
  bool(): Tensor { return this.to({ dtype: 'bool' }); }
  /** Copy to the CPU (torch.Tensor.cpu), as `to('cpu')`. @example x.cpu().data(); */
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  /** This tensor with dense memory in `memoryFormat` (torch.Tensor.contiguous). @example x.permute([1, 0]).contiguous(); */
  contiguous(memoryFormat: MemoryFormat = 'contiguous'): Tensor { return shapeOps.contiguous(this, memoryFormat); }

  // ---- arithmetic ----
  /** `this + alpha * other`, broadcasting (torch.Tensor.add); see `torch.add`. @example x.add(y, 2); */
  add(other: Operand, alpha = 1): Tensor { return math.add(this, other, alpha); }
  /** `this - alpha * other`, broadcasting (torch.Tensor.sub); see `torch.sub`. @example x.sub(1); */
  sub(other: Operand, alpha = 1): Tensor { return math.sub(this, other, alpha); }
  /** Elementwise product, broadcasting (torch.Tensor.mul); see `torch.mul`. @example x.mul(2); */
  mul(other: Operand): Tensor { return math.mul(this, other); }
  /** True division, or integer with `roundingMode` 'trunc' or 'floor' (torch.Tensor.div); broadcasts. @example x.div(255); */
  div(other: Operand, roundingMode?: 'trunc' | 'floor'): Tensor { return math.div(this, other, roundingMode); }
  /** Elementwise power (torch.Tensor.pow); see `torch.pow`. @example x.pow(2); */
  pow(exponent: Operand): Tensor { return math.pow(this, exponent); }
  /** Python's modulus, with the sign of `other` (torch.Tensor.remainder); see `torch.remainder`. @example x.remainder(2); */
  remainder(other: Operand): Tensor { return math.remainder(this, other); }
  /** Elementwise `-this` (torch.Tensor.neg). @example x.neg(); */
  neg(): Tensor { return math.neg(this); }
  /** Elementwise absolute value (torch.Tensor.abs). @example x.abs(); */
  abs(): Tensor { return math.abs(this); }
  /** -1, 0 or 1 by sign (torch.Tensor.sign). @example x.sign(); */
  sign(): Tensor { return math.sign(this); }
  /** Elementwise `e ** this` (torch.Tensor.exp). @example logProbs.exp(); */
  exp(): Tensor { return math.exp(this); }
  /** Elementwise natural logarithm (torch.Tensor.log). @example probs.log(); */
  log(): Tensor { return math.log(this); }
  /** Elementwise square root (torch.Tensor.sqrt). @example v.sqrt(); */
  sqrt(): Tensor { return math.sqrt(this); }
  /** Elementwise `1 / sqrt(this)` (torch.Tensor.rsqrt). @example v.rsqrt(); */
  rsqrt(): Tensor { return math.rsqrt(this); }
  /** Elementwise `this * this` (torch.Tensor.square). @example x.square().mean(); */
  square(): Tensor { return math.square(this); }
  /** Elementwise `1 / this` (torch.Tensor.reciprocal). @example x.reciprocal(); */
  reciprocal(): Tensor { return math.reciprocal(this); }
  /** Rounds each element down (torch.Tensor.floor). @example x.floor(); */
  floor(): Tensor { return math.floor(this); }
  /** Rounds to the nearest integer, halves to even (torch.Tensor.round). @example x.round(); */
  round(): Tensor { return math.round(this); }
  /** Limits values to [min, max] (torch.Tensor.clamp); either bound may be null, a scalar or a tensor. @example x.clamp(0, 1); */
  clamp(min?: Operand | null, max?: Operand | null): Tensor { return math.clamp(this, min, max); }
  /** Elementwise larger of this and `other` (torch.Tensor.maximum). @example x.maximum(y); */
  maximum(other: Tensor): Tensor { return math.maximum(this, other); }
  /** Elementwise smaller of this and `other` (torch.Tensor.minimum). @example x.minimum(y); */
  minimum(other: Tensor): Tensor { return math.minimum(this, other); }
  /** Elementwise `==` as a bool tensor (torch.Tensor.eq). @example preds.eq(labels); */
  eq(other: Operand): Tensor { return math.eq(this, other); }
  /** Elementwise `!=` as a bool tensor (torch.Tensor.ne). @example labels.ne(-100); */
  ne(other: Operand): Tensor { return math.ne(this, other); }
  /** Elementwise `<` as a bool tensor (torch.Tensor.lt). @example x.lt(0); */
  lt(other: Operand): Tensor { return math.lt(this, other); }
  /** Elementwise `<=` as a bool tensor (torch.Tensor.le). @example x.le(1); */
  le(other: Operand): Tensor { return math.le(this, other); }
  /** Elementwise `>` as a bool tensor (torch.Tensor.gt). @example probs.gt(0.5); */
  gt(other: Operand): Tensor { return math.gt(this, other); }
  /** Elementwise `>=` as a bool tensor (torch.Tensor.ge). @example x.ge(0); */
  ge(other: Operand): Tensor { return math.ge(this, other); }
  /** Elementwise NOT as a bool tensor: true where zero (torch.Tensor.logical_not). @example mask.logicalNot(); */
  logicalNot(): Tensor { return math.logicalNot(this); }
  /** `max(this, 0)` as a new tensor (torch.Tensor.relu); `relu_` works in place. @example x.relu(); */
  relu(): Tensor { return F.relu(this); }
  /** `1 / (1 + exp(-this))` (torch.Tensor.sigmoid). @example logits.sigmoid(); */
  sigmoid(): Tensor { return F.sigmoid(this); }
  /** Hyperbolic tangent (torch.Tensor.tanh). @example x.tanh(); */
  tanh(): Tensor { return F.tanh(this); }
  /** Softmax along `dim` (torch.Tensor.softmax). @example logits.softmax(1); */
  softmax(dim: number): Tensor { return F.softmax(this, dim); }
  /** `log(softmax(this))` along `dim`, computed stably (torch.Tensor.log_softmax). @example logits.logSoftmax(1); */
  logSoftmax(dim: number): Tensor { return F.logSoftmax(this, dim); }
  /** Matrix product with broadcasting (torch.Tensor.matmul); see `torch.matmul`. @example x.matmul(w.t()); */
  matmul(other: Tensor): Tensor { return F.matmul(this, other); }

  // ---- in place ----
  /** In place `this += alpha * other` (torch.Tensor.add_); returns this tensor. @example w.add_(g, -lr); */
  add_(other: Operand, alpha = 1): this { math.add_(this, other, alpha); return this; }
  /** In place `this -= alpha * other` (torch.Tensor.sub_); returns this tensor. @example x.sub_(mean); */
  sub_(other: Operand, alpha = 1): this { math.sub_(this, other, alpha); return this; }
  /** In place `this *= other` (torch.Tensor.mul_); returns this tensor. @example avg.mul_(0.9); */
  mul_(other: Operand): this { math.mul_(this, other); return this; }
  /** In place true division `this /= other` (torch.Tensor.div_); this tensor must be floating point. @example img.div_(255); */
  div_(other: Operand): this { math.div_(this, other); return this; }
  /** In place clamp to [min, max] with scalar bounds (torch.Tensor.clamp_); returns this tensor. @example x.clamp_(0, 1); */
  clamp_(min?: number | null, max?: number | null): this { math.clamp_(this, min, max); return this; }
  /** Copies `src` in, broadcasting and casting to this dtype and device (torch.Tensor.copy_). @example param.copy_(loaded); */
  copy_(src: Tensor): this { math.copy_(this, src); return this; }
  /** Fills this tensor with zeros in place (torch.Tensor.zero_). @example buffer.zero_(); */
  zero_(): this { math.zero_(this); return this; }
  /** Fills this tensor with `value` in place (torch.Tensor.fill_). @example bias.fill_(0); */
  fill_(value: number | boolean): this { math.fill_(this, value); return this; }
  /** Square root in place (torch.Tensor.sqrt_). @example v.sqrt_(); */
  sqrt_(): this { math.sqrt_(this); return this; }
  /** `max(this, 0)` in place (torch.Tensor.relu_), saving an activation's memory. @example bn.forward(x).relu_(); */
  relu_(): this { math.relu_(this); return this; }
  /** In place `this += value * t1 * t2` (torch.Tensor.addcmul_). @example v.mul_(beta2).addcmul_(g, g, 1 - beta2); */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this { math.addcmul_(this, t1, t2, value); return this; }
  /** In place `this += value * t1 / t2` (torch.Tensor.addcdiv_), Adam's update. @example p.addcdiv_(m, denom, -stepSize); */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this { math.addcdiv_(this, t1, t2, value); return this; }
  /** In place `this += weight * (end - this)` (torch.Tensor.lerp_), an EMA step. @example ema.lerp_(param, 0.001); */
  lerp_(end: Tensor, weight: Operand): this { math.lerp_(this, end, weight); return this; }
  /** Fills in place with uniform samples in [from, to) (torch.Tensor.uniform_). @example w.uniform_(-0.1, 0.1); */
  uniform_(from = 0, to = 1): this { math.uniform_(this, from, to); return this; }
  /** Fills this tensor in place with normal samples (torch.Tensor.normal_), from the global generator. @example w.normal_(0, 0.01); */
  normal_(mean = 0, std = 1): this { math.normal_(this, mean, std); return this; }
  /** Writes `value` where the bool `mask` is true, in place (torch.Tensor.masked_fill_). @example x.maskedFill_(x.isnan(), 0); */
  maskedFill_(mask: Tensor, value: number | boolean): this { indexing.maskedFill_(this, mask, value); return this; }

  // ---- reductions ----
  /** Sum over all elements or `dim` (torch.Tensor.sum); bool and integer tensors sum to int64. @example x.sum({ dim: 1 }); */
  sum(options?: ReduceOptions): Tensor { return reduce.sum(this, options); }
  /** Mean over all elements or `dim` (torch.Tensor.mean); needs a floating-point tensor. @example loss.mean(); */
  mean(options?: ReduceOptions): Tensor { return reduce.mean(this, options); }
  /** The largest element, or along `dim` the values and int64 indices (torch.Tensor.max). @example logits.max(1).indices; */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? reduce.max(this) : reduce.max(this, dim, keepdim); }
  /** The smallest element, or along `dim` the values and int64 indices (torch.Tensor.min). @example x.min().item(); */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return dim === undefined ? reduce.min(this) : reduce.min(this, dim, keepdim); }
  /** Index of the largest value as int64, flattened or along `dim` (torch.Tensor.argmax). @example logits.argmax({ dim: 1 }); */
  argmax(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.argmax(this, options); }
  /** Index of the smallest value as int64, flattened or along `dim` (torch.Tensor.argmin). @example d.argmin({ dim: 1 }); */
  argmin(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.argmin(this, options); }
  /** Standard deviation, with Bessel's correction by default (torch.Tensor.std). @example x.std({ dim: 0 }); */
  std(options?: ReduceOptions & { correction?: number }): Tensor { return reduce.std(this, options); }
  /** Variance over all elements or `dim` (torch.Tensor.var); `correction` as in `std`. @example x.var({ correction: 0 }); */
  var(options?: ReduceOptions & { correction?: number }): Tensor { return reduce.variance(this, options); }
  /** The vector p-norm over all elements or `dim` (torch.Tensor.norm, torch.linalg.vector_norm). @example grad.norm(2).item(); */
  norm(p = 2, options?: ReduceOptions): Tensor { return reduce.norm(this, p, options); }
  /** Whether every element is nonzero, overall or along `dim`, as bool (torch.Tensor.all). @example x.isfinite().all(); */
  all(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.all(this, options); }
  /** Whether some element is nonzero, overall or along `dim`, as bool (torch.Tensor.any). @example x.isnan().any(); */
  any(options?: { dim?: number; keepdim?: boolean }): Tensor { return reduce.any(this, options); }

  // ---- shape ----
  /** The same data in a new shape without a copy (torch.Tensor.view); one size may be -1. @example x.view([-1, 16]); */
  view(shape: readonly number[]): Tensor { return shapeOps.view(this, shape); }
  /** A new shape, as a view when possible and a copy otherwise (torch.Tensor.reshape). @example x.reshape([n, -1]); */
  reshape(shape: readonly number[]): Tensor { return shapeOps.reshape(this, shape); }
  /** Reorders the dimensions, as a view (torch.Tensor.permute). @example x.permute([0, 2, 3, 1]); */
  permute(dims: readonly number[]): Tensor { return shapeOps.permute(this, dims); }
  /** Swaps two dimensions, as a view (torch.Tensor.transpose). @example x.transpose(1, 2); */
  transpose(dim0: number, dim1: number): Tensor { return shapeOps.transpose(this, dim0, dim1); }
  /** Transpose of a tensor of at most 2 dimensions, as a view (torch.Tensor.t). @example w.t(); */
  t(): Tensor { return shapeOps.t(this); }
  /** Removes size-1 dimensions, all or only `dim`, as a view (torch.Tensor.squeeze). @example x.squeeze(1); */
  squeeze(dim?: number): Tensor { return shapeOps.squeeze(this, dim); }
  /** Inserts a size-1 dimension at `dim`, as a view (torch.Tensor.unsqueeze). @example labels.unsqueeze(1); */
  unsqueeze(dim: number): Tensor { return shapeOps.unsqueeze(this, dim); }
  /** Broadcasts size-1 dimensions to `shape` without copying (torch.Tensor.expand); -1 keeps a size. @example x.expand([4, -1]); */
  expand(shape: readonly number[]): Tensor { return shapeOps.expand(this, shape); }
  /** `expand` to `other`'s shape (torch.Tensor.expand_as). @example bias.expandAs(x); */
  expandAs(other: Tensor): Tensor { return shapeOps.expandAs(this, other); }
  /** Merges dimensions `startDim` to `endDim` into one (torch.Tensor.flatten). @example x.flatten(1); */
  flatten(startDim = 0, endDim = -1): Tensor { return shapeOps.flatten(this, startDim, endDim); }
  /** Tiles the tensor `repeats[i]` times along dimension i, copying (torch.Tensor.repeat). @example x.repeat([2, 1]); */
  repeat(repeats: readonly number[]): Tensor { return shapeOps.repeat(this, repeats); }
  /** Reverses the order along `dims`, copying (torch.Tensor.flip). @example img.flip([3]); */
  flip(dims: readonly number[]): Tensor { return shapeOps.flip(this, dims); }
  /** Splits along `dim` into views of `size` or of the listed sizes (torch.Tensor.split). @example x.split([2, 3], 1); */
  split(size: number | readonly number[], dim = 0): Tensor[] { return shapeOps.split(this, size, dim); }
  /** Splits into `chunks` views along `dim`, the last possibly smaller (torch.Tensor.chunk). @example const [a, b] = x.chunk(2); */
  chunk(chunks: number, dim = 0): Tensor[] { return shapeOps.chunk(this, chunks, dim); }

  // ---- indexing ----
  /** `this[..., index, ...]` at `dim`, a view without that dimension (torch.Tensor.select). @example x.select(0, 2); */
  select(dim: number, index: number): Tensor { return indexing.select(this, dim, index); }
  /** `length` elements from `start` along `dim`, as a view (torch.Tensor.narrow). @example x.narrow(1, 0, 4); */
  narrow(dim: number, start: number, length: number): Tensor { return indexing.narrow(this, dim, start, length); }
  /** `this[..., start:end:step, ...]` along `dim`, as a view; `end` may be omitted. @example x.slice(1, 0, 4); */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return indexing.slice(this, dim, start, end, step); }
  /** Copies the entries at the 1-D int64 `index` along `dim` (torch.Tensor.index_select). @example x.indexSelect(0, idx); */
  indexSelect(dim: number, index: Tensor): Tensor { return indexing.indexSelect(this, dim, index); }
  /** Picks along `dim` by the int64 `index`, in its shape (torch.Tensor.gather). @example lp.gather(1, labels.unsqueeze(1)); */
  gather(dim: number, index: Tensor): Tensor { return indexing.gather(this, dim, index); }
  /** A copy with `src` written at `index` along `dim` (torch.Tensor.scatter). @example t.scatter(1, labels.unsqueeze(1), 1); */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return indexing.scatter(this, dim, index, src); }
  /** Advanced indexing `this[i0, i1, ...]`: int64 index tensors, bool masks, or null for `:`; copies. @example x.index([null, idx]); */
  index(indices: readonly (Tensor | null)[]): Tensor { return indexing.index(this, indices); }
  /** A copy with `value` where the bool `mask` is true (torch.Tensor.masked_fill). @example scores.maskedFill(pad, -Infinity); */
  maskedFill(mask: Tensor, value: number | boolean): Tensor { return indexing.maskedFill(this, mask, value); }
  /** The elements where the bool `mask` is true, as a 1-D copy (torch.Tensor.masked_select). @example x.maskedSelect(x.gt(0)); */
  maskedSelect(mask: Tensor): Tensor { return indexing.maskedSelect(this, mask); }
  /** The k largest (or smallest) values along `dim` and int64 indices (torch.Tensor.topk). @example logits.topk(5).indices; */
  topk(k: number, options?: { dim?: number; largest?: boolean; sorted?: boolean }): ValuesIndices { return indexing.topk(this, k, options); }
  /** Sorted values along `dim` and the int64 sorting permutation (torch.Tensor.sort). @example x.sort().values; */
  sort(options?: { dim?: number; descending?: boolean; stable?: boolean }): ValuesIndices { return indexing.sort(this, options); }
  /** The int64 indices that sort along `dim` (torch.Tensor.argsort). @example x.argsort({ descending: true }); */
  argsort(options?: { dim?: number; descending?: boolean }): Tensor { return indexing.argsort(this, options); }

  toString(): string {
    return this.#handle === null ? 'Tensor(disposed)' : `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }
}
