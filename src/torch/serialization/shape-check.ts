/**
 * The shape check libtorch makes when it sizes a tensor, made before any
 * native call so that a file's reader can refuse an overflowing shape by
 * name: the running product of the sizes, from the left, must stay within
 * int64 (a zero after an overflow does not save it, as in c10's
 * `safe_multiply_u64`).
 *
 * @example
 * numelOverflows([2 ** 40, 2 ** 40, 0]); // true: libtorch refuses it too
 */

const int64Max = (1n << 63n) - 1n;

/** True when libtorch would find `size`'s element count (times `itemSize` bytes) overflowing. */
export function numelOverflows(size: readonly number[], itemSize = 1): boolean {
  let product = BigInt(itemSize);
  for (const d of size) {
    product *= BigInt(d);
    if (product > int64Max) return true;
  }
  return false;
}
