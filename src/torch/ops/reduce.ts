/**
 * Reductions along all or some dimensions, with keepdim.
 *
 * @example
 * sum(x, { dim: 1, keepdim: true });
 * max(x, 1).indices; // argmax along dim 1
 */
import { dtypeCode } from '../dtype.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { runT, runTs } from './dispatch.js';

/** Which dimensions to reduce and whether to keep them as size 1. */
export interface ReduceOptions {
  dim?: number | readonly number[];
  keepdim?: boolean;
}

const dims = (dim: number | readonly number[] | undefined): number[] | null =>
  dim === undefined ? null : typeof dim === 'number' ? [dim] : [...dim];

/**
 * Sum of all elements or over `dim` (torch.sum); bool and integer input gives int64 unless `dtype` is given.
 *
 * @example
 * sum(x, { dim: 1, keepdim: true });
 */
export function sum(a: Tensor, options: ReduceOptions & { dtype?: DType } = {}): Tensor {
  const dtype = options.dtype === undefined ? null : dtypeCode(options.dtype);
  // The full reduction has its own overload (gradFn SumBackward0, as in PyTorch).
  if (options.dim === undefined && !options.keepdim) return runT('aten::sum', '', [a, dtype]);
  return runT('aten::sum', 'dim_IntList', [a, dims(options.dim), options.keepdim ?? false, dtype]);
}

/**
 * Mean of all elements or over `dim` (torch.mean); the input, or `dtype`, must be floating point.
 *
 * @example
 * mean(x, { dim: [2, 3] }); // per-channel means of NCHW
 */
export function mean(a: Tensor, options: ReduceOptions & { dtype?: DType } = {}): Tensor {
  const dtype = options.dtype === undefined ? null : dtypeCode(options.dtype);
  if (options.dim === undefined && !options.keepdim) return runT('aten::mean', '', [a, dtype]);
  return runT('aten::mean', 'dim', [a, dims(options.dim), options.keepdim ?? false, dtype]);
}

/** Product of all elements or along one `dim` (torch.prod); bool and integer input gives int64. @example prod(x, { dim: 0 }); */
export function prod(a: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor {
  if (options.dim === undefined) return runT('aten::prod', '', [a, null]);
  return runT('aten::prod', 'dim_int', [a, options.dim, options.keepdim ?? false, null]);
}

/** Values and their indices along a dimension. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** The largest element, or the largest along `dim` with its index. */
export function max(a: Tensor): Tensor;
export function max(a: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(a: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return runT('aten::max', '', [a]);
  const [values, indices] = runTs('aten::max', 'dim', [a, dim, keepdim]);
  return { values, indices };
}

/** The smallest element, or the smallest along `dim` with its index. */
export function min(a: Tensor): Tensor;
export function min(a: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(a: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return runT('aten::min', '', [a]);
  const [values, indices] = runTs('aten::min', 'dim', [a, dim, keepdim]);
  return { values, indices };
}

/**
 * Index of the largest value as int64, over the flattened tensor or along `dim` (torch.argmax).
 *
 * @example
 * argmax(logits, { dim: 1 }); // predicted classes [N]
 */
export function argmax(a: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor {
  return runT('aten::argmax', '', [a, options.dim ?? null, options.keepdim ?? false]);
}

/**
 * Index of the smallest value as int64, over the flattened tensor or along `dim` (torch.argmin).
 *
 * @example
 * argmin(distances, { dim: 1 });
 */
export function argmin(a: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor {
  return runT('aten::argmin', '', [a, options.dim ?? null, options.keepdim ?? false]);
}

/** Standard deviation; `correction` 1 (default) is Bessel's correction, 0 the population value. */
export function std(a: Tensor, options: ReduceOptions & { correction?: number } = {}): Tensor {
  return runT('aten::std', 'correction', [a, dims(options.dim), options.correction ?? 1, options.keepdim ?? false]);
}

/** Variance; `correction` as in `std`. */
export function variance(a: Tensor, options: ReduceOptions & { correction?: number } = {}): Tensor {
  return runT('aten::var', 'correction', [a, dims(options.dim), options.correction ?? 1, options.keepdim ?? false]);
}

/** The vector p-norm over all elements or over `dim`. */
export function norm(a: Tensor, p = 2, options: ReduceOptions = {}): Tensor {
  return runT('aten::linalg_vector_norm', '', [a, { float: p }, dims(options.dim), options.keepdim ?? false, null]);
}

/** Whether every element is nonzero, overall or along `dim`, as a bool tensor (torch.all). @example all(isfinite(x)).item(); // 1 or 0 */
export function all(a: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor {
  if (options.dim === undefined) return runT('aten::all', '', [a]);
  return runT('aten::all', 'dim', [a, options.dim, options.keepdim ?? false]);
}

/** Whether some element is nonzero, overall or along `dim`, as a bool tensor (torch.any). @example any(isnan(x)).item(); // 1 or 0 */
export function any(a: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor {
  if (options.dim === undefined) return runT('aten::any', '', [a]);
  return runT('aten::any', 'dim', [a, options.dim, options.keepdim ?? false]);
}

/**
 * Running sum along `dim`, same shape (torch.cumsum); bool and integer input gives int64.
 *
 * @example
 * cumsum(x, 0); // [1, 2, 3] to [1, 3, 6]
 */
export const cumsum = (a: Tensor, dim: number): Tensor => runT('aten::cumsum', '', [a, dim, null]);

/** `log(sum(exp(a)))` over `dim`, computed without overflow (torch.logsumexp). @example logsumexp(logits, 1); // [N] */
export function logsumexp(a: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  return runT('aten::logsumexp', '', [a, dims(dim), keepdim]);
}
