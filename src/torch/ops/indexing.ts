/**
 * Indexing and slicing: select, narrow, slice, gather/scatter, masks, top-k, sort.
 *
 * @example
 * x.select(0, 2);                 // x[2]
 * x.slice(1, 0, 4);               // x[:, 0:4]
 * x.index([mask]);                // x[mask] with a boolean mask
 */
import type { Tensor } from '../tensor.js';
import { runT, runTs } from './dispatch.js';
import type { ValuesIndices } from './reduce.js';
import { inPlace } from './math.js';

/**
 * `a[..., index, ...]` at `dim`: a view without that dimension (torch.select); a negative index counts from the end.
 *
 * @example
 * select(x, 0, 2); // x[2]
 */
export const select = (a: Tensor, dim: number, index: number): Tensor => runT('aten::select', 'int', [a, dim, index]);
/** `length` elements from `start` along `dim`, as a view (torch.narrow). @example narrow(x, 1, 0, 4); // x[:, 0:4] */
export const narrow = (a: Tensor, dim: number, start: number, length: number): Tensor => runT('aten::narrow', '', [a, dim, start, length]);
/** `a[..., start:end:step, ...]` along `dim`; `end` may be omitted. */
export const slice = (a: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor =>
  runT('aten::slice', 'Tensor', [a, dim, start ?? null, end ?? null, step]);
/**
 * Copies the entries at the 1-D int64 `index` along `dim` (torch.index_select).
 *
 * @example
 * indexSelect(x, 0, tensor([2, 0], { dtype: 'int64' }));
 */
export const indexSelect = (a: Tensor, dim: number, index: Tensor): Tensor => runT('aten::index_select', '', [a, dim, index]);
/**
 * Picks along `dim` by the int64 `index`, which has `a`'s number of dimensions; the result has `index`'s shape (torch.gather).
 *
 * @example
 * gather(logProbs, 1, labels.unsqueeze(1)); // [N, 1]
 */
export const gather = (a: Tensor, dim: number, index: Tensor): Tensor => runT('aten::gather', '', [a, dim, index, false]);
/** Writes `src` (a tensor or a scalar) into a copy of `a` at `index` along `dim`. */
export function scatter(a: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return typeof src === 'number'
    ? runT('aten::scatter', 'value', [a, dim, index, src])
    : runT('aten::scatter', 'src', [a, dim, index, src]);
}
/**
 * A copy of `a` with `src` added at the int64 `index` along `dim` (torch.scatter_add); repeated indices accumulate.
 *
 * @example
 * scatterAdd(zeros([numClasses]), 0, labels, onesLike(labels, { dtype: 'float32' }));
 */
export const scatterAdd = (a: Tensor, dim: number, index: Tensor, src: Tensor): Tensor =>
  runT('aten::scatter_add', '', [a, dim, index, src]);
/**
 * In place `scatter`: writes `src` (a tensor or a scalar) into `a` at `index` along `dim` (torch.Tensor.scatter_); returns `a`.
 *
 * @example
 * scatter_(target, 1, labels.unsqueeze(1), 1); // one-hot
 */
export function scatter_(a: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return typeof src === 'number'
    ? inPlace('aten::scatter_', 'value', a, [dim, index, src])
    : inPlace('aten::scatter_', 'src', a, [dim, index, src]);
}
/**
 * In place `scatterAdd`: adds `src` into `a` at `index` along `dim`,
 * accumulating repeated indices (torch.Tensor.scatter_add_); returns `a`.
 *
 * @example
 * scatterAdd_(counts, 0, labels, ones);
 */
export const scatterAdd_ = (a: Tensor, dim: number, index: Tensor, src: Tensor): Tensor =>
  inPlace('aten::scatter_add_', '', a, [dim, index, src]);
/** Advanced indexing, `a[i0, i1, ...]`: each entry is an index tensor, a boolean mask, or null for `:`. */
export const index = (a: Tensor, indices: readonly (Tensor | null)[]): Tensor => runT('aten::index', 'Tensor', [a, indices]);
/** `a[indices] = values` in place. */
export const indexPut_ = (a: Tensor, indices: readonly (Tensor | null)[], values: Tensor, accumulate = false): Tensor =>
  inPlace('aten::index_put_', '', a, [indices, values, accumulate]);
/**
 * A copy of `a` with `value` where the bool `mask` (broadcast to `a`) is true (torch.masked_fill).
 *
 * @example
 * maskedFill(scores, padMask, -Infinity);
 */
export const maskedFill = (a: Tensor, mask: Tensor, value: number | boolean): Tensor =>
  runT('aten::masked_fill', 'Scalar', [a, mask, value]);
/**
 * In place `maskedFill`: writes `value` into `a` where the bool `mask` is true (torch.Tensor.masked_fill_); returns `a`.
 *
 * @example
 * maskedFill_(x, isnan(x), 0);
 */
export const maskedFill_ = (a: Tensor, mask: Tensor, value: number | boolean): Tensor =>
  inPlace('aten::masked_fill_', 'Scalar', a, [mask, value]);
/** The elements where `mask` is true, as a 1-D tensor. */
export const maskedSelect = (a: Tensor, mask: Tensor): Tensor => runT('aten::masked_select', '', [a, mask]);
/**
 * The indices of the nonzero elements as int64 [count, ndim] (torch.nonzero); its size depends on the values, so it waits for the device.
 *
 * @example
 * nonzero(mask);
 */
export const nonzero = (a: Tensor): Tensor => runT('aten::nonzero', '', [a]);

/** The k largest (or smallest) values along `dim` and their indices. */
export function topk(a: Tensor, k: number, options: { dim?: number; largest?: boolean; sorted?: boolean } = {}): ValuesIndices {
  const [values, indices] = runTs('aten::topk', '', [a, k, options.dim ?? -1, options.largest ?? true, options.sorted ?? true]);
  return { values, indices };
}

/** Sorted values and the permutation that sorts; `stable` keeps the order of equal values. */
export function sort(a: Tensor, options: { dim?: number; descending?: boolean; stable?: boolean } = {}): ValuesIndices {
  const [values, indices] = runTs('aten::sort', 'stable', [a, options.stable ?? false, options.dim ?? -1, options.descending ?? false]);
  return { values, indices };
}

/**
 * The indices that sort along `dim` (default the last), ascending unless `descending` (torch.argsort).
 *
 * @example
 * argsort(scores, { descending: true });
 */
export const argsort = (a: Tensor, options: { dim?: number; descending?: boolean } = {}): Tensor =>
  runT('aten::argsort', '', [a, options.dim ?? -1, options.descending ?? false]);

/** int64 class indices to a one-hot int64 tensor with a trailing class dimension. */
export const oneHot = (a: Tensor, numClasses = -1): Tensor => runT('aten::one_hot', '', [a, numClasses]);
