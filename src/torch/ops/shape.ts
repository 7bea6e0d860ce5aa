/**
 * Views and reshapes, joins and splits.
 *
 * @example
 * x.view([-1, 16]).permute([1, 0]);
 * cat([a, b], 0);
 */
import { memoryFormatCodes } from '../dtype.js';
import type { MemoryFormat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { runT, runTs } from './dispatch.js';

/**
 * The same data in a new shape, without a copy (torch.Tensor.view); one
 * size may be -1. Fails when the strides do not allow it: use `reshape`.
 *
 * @example
 * view(x, [-1, 16]);
 */
export const view = (a: Tensor, shape: readonly number[]): Tensor => runT('aten::view', '', [a, shape]);
/**
 * The same elements in a new shape (torch.reshape): a view when the strides allow it, else a copy; one size may be -1.
 *
 * @example
 * reshape(x, [x.size(0), -1]);
 */
export const reshape = (a: Tensor, shape: readonly number[]): Tensor => runT('aten::reshape', '', [a, shape]);
/**
 * Reorders the dimensions, as a view (torch.permute); the result is usually not contiguous.
 *
 * @example
 * permute(x, [0, 2, 3, 1]); // NCHW to NHWC
 */
export const permute = (a: Tensor, dims: readonly number[]): Tensor => runT('aten::permute', '', [a, dims]);
/** Swaps two dimensions, as a view (torch.transpose). @example transpose(x, 1, 2); */
export const transpose = (a: Tensor, dim0: number, dim1: number): Tensor => runT('aten::transpose', 'int', [a, dim0, dim1]);
/** Transpose of a tensor of at most 2 dimensions, as a view (torch.t). @example t(w); // [out, in] to [in, out] */
export const t = (a: Tensor): Tensor => runT('aten::t', '', [a]);
/** Removes size-1 dimensions (all, or only `dim`). */
export function squeeze(a: Tensor, dim?: number): Tensor {
  return dim === undefined ? runT('aten::squeeze', '', [a]) : runT('aten::squeeze', 'dim', [a, dim]);
}
/**
 * Inserts a size-1 dimension at `dim`, as a view (torch.unsqueeze); a negative `dim` counts from the end.
 *
 * @example
 * unsqueeze(img, 0); // [C, H, W] to [1, C, H, W]
 */
export const unsqueeze = (a: Tensor, dim: number): Tensor => runT('aten::unsqueeze', '', [a, dim]);
/**
 * Broadcasts size-1 dimensions to `shape` without copying (torch.Tensor.expand);
 * -1 keeps a size. Elements share memory, so do not write into it.
 *
 * @example
 * expand(x, [4, -1]);
 */
export const expand = (a: Tensor, shape: readonly number[]): Tensor => runT('aten::expand', '', [a, shape, false]);
/** `expand` to `other`'s shape (torch.Tensor.expand_as). @example expandAs(bias, x); */
export const expandAs = (a: Tensor, other: Tensor): Tensor => runT('aten::expand_as', '', [a, other]);
/**
 * Merges dimensions `startDim` to `endDim` into one (torch.flatten), a view when the strides allow it.
 *
 * @example
 * flatten(x, 1); // [N, C, H, W] to [N, C*H*W]
 */
export const flatten = (a: Tensor, startDim = 0, endDim = -1): Tensor => runT('aten::flatten', 'using_ints', [a, startDim, endDim]);
/** Splits dimension `dim` into `sizes` (torch.unflatten), undoing `flatten`; one size may be -1. @example unflatten(x, 1, [3, -1]); */
export const unflatten = (a: Tensor, dim: number, sizes: readonly number[]): Tensor => runT('aten::unflatten', 'int', [a, dim, sizes]);
/**
 * Tiles the tensor `repeats[i]` times along dimension i, copying (torch.Tensor.repeat, which is numpy's tile, not its repeat).
 *
 * @example
 * repeat(x, [2, 1]);
 */
export const repeat = (a: Tensor, repeats: readonly number[]): Tensor => runT('aten::repeat', '', [a, repeats]);
/** Reverses the order along `dims`, copying (torch.flip). @example flip(img, [3]); // horizontal flip of NCHW */
export const flip = (a: Tensor, dims: readonly number[]): Tensor => runT('aten::flip', '', [a, dims]);
/** Shifts the elements along `dims` by `shifts`, wrapping around (torch.roll). @example roll(x, [1], [0]); */
export const roll = (a: Tensor, shifts: readonly number[], dims: readonly number[]): Tensor => runT('aten::roll', '', [a, shifts, dims]);
/** A tensor with contiguous memory in the given format (a no-op if it already is). */
export const contiguous = (a: Tensor, memoryFormat: MemoryFormat = 'contiguous'): Tensor =>
  runT('aten::contiguous', '', [a, memoryFormatCodes[memoryFormat]]);

/**
 * Joins tensors along an existing dimension (torch.cat); their other sizes must match.
 *
 * @example
 * cat([a, b], 0); // [2, 3] and [4, 3] to [6, 3]
 */
export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => runT('aten::cat', '', [tensors, dim]);
/** Joins same-shaped tensors along a new dimension `dim` (torch.stack). @example stack([a, b]); // two [3] to [2, 3] */
export const stack = (tensors: readonly Tensor[], dim = 0): Tensor => runT('aten::stack', '', [tensors, dim]);

/** Splits into pieces of `size` (the last may be smaller) or of the listed sizes. */
export function split(a: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  if (typeof size === 'number') return runTs('aten::split', 'Tensor', [a, size, dim]);
  return runTs('aten::split_with_sizes', '', [a, size, dim]);
}
/**
 * Splits into `chunks` views along `dim`, equal but for a smaller last one (torch.chunk); there may be fewer than `chunks`.
 *
 * @example
 * const [q, k, v] = chunk(qkv, 3, -1);
 */
export const chunk = (a: Tensor, chunks: number, dim = 0): Tensor[] => runTs('aten::chunk', '', [a, chunks, dim]);
/** The slices along `dim`, each a view without that dimension (torch.unbind). @example const [r, g, b] = unbind(img, 0); */
export const unbind = (a: Tensor, dim = 0): Tensor[] => runTs('aten::unbind', 'int', [a, dim]);
