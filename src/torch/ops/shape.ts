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

export const view = (a: Tensor, shape: readonly number[]): Tensor => runT('aten::view', '', [a, shape]);
export const reshape = (a: Tensor, shape: readonly number[]): Tensor => runT('aten::reshape', '', [a, shape]);
export const permute = (a: Tensor, dims: readonly number[]): Tensor => runT('aten::permute', '', [a, dims]);
export const transpose = (a: Tensor, dim0: number, dim1: number): Tensor => runT('aten::transpose', 'int', [a, dim0, dim1]);
export const t = (a: Tensor): Tensor => runT('aten::t', '', [a]);
/** Removes size-1 dimensions (all, or only `dim`). */
export function squeeze(a: Tensor, dim?: number): Tensor {
  return dim === undefined ? runT('aten::squeeze', '', [a]) : runT('aten::squeeze', 'dim', [a, dim]);
}
export const unsqueeze = (a: Tensor, dim: number): Tensor => runT('aten::unsqueeze', '', [a, dim]);
export const expand = (a: Tensor, shape: readonly number[]): Tensor => runT('aten::expand', '', [a, shape, false]);
export const expandAs = (a: Tensor, other: Tensor): Tensor => runT('aten::expand_as', '', [a, other]);
export const flatten = (a: Tensor, startDim = 0, endDim = -1): Tensor => runT('aten::flatten', 'using_ints', [a, startDim, endDim]);
export const unflatten = (a: Tensor, dim: number, sizes: readonly number[]): Tensor => runT('aten::unflatten', 'int', [a, dim, sizes]);
export const repeat = (a: Tensor, repeats: readonly number[]): Tensor => runT('aten::repeat', '', [a, repeats]);
export const flip = (a: Tensor, dims: readonly number[]): Tensor => runT('aten::flip', '', [a, dims]);
export const roll = (a: Tensor, shifts: readonly number[], dims: readonly number[]): Tensor => runT('aten::roll', '', [a, shifts, dims]);
/** A tensor with contiguous memory in the given format (a no-op if it already is). */
export const contiguous = (a: Tensor, memoryFormat: MemoryFormat = 'contiguous'): Tensor =>
  runT('aten::contiguous', '', [a, memoryFormatCodes[memoryFormat]]);

export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => runT('aten::cat', '', [tensors, dim]);
export const stack = (tensors: readonly Tensor[], dim = 0): Tensor => runT('aten::stack', '', [tensors, dim]);

/** Splits into pieces of `size` (the last may be smaller) or of the listed sizes. */
export function split(a: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  if (typeof size === 'number') return runTs('aten::split', 'Tensor', [a, size, dim]);
  return runTs('aten::split_with_sizes', '', [a, size, dim]);
}
export const chunk = (a: Tensor, chunks: number, dim = 0): Tensor[] => runTs('aten::chunk', '', [a, chunks, dim]);
export const unbind = (a: Tensor, dim = 0): Tensor[] => runTs('aten::unbind', 'int', [a, dim]);
