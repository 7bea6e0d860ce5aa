/**
 * Multi-hot targets: a float32 [B, C] tensor with 1 at each sample's
 * positive classes and 0 elsewhere, the target of a sigmoid/BCE loss. A
 * sample with no positives is a row of zeros.
 *
 * @example
 * multiHot([[0, 2], []], 3).toArray(); // [[1, 0, 1], [0, 0, 0]]
 */
import { DataError } from '../errors.js';
import { tensor } from '../torch/ops/creation.js';
import type { Tensor } from '../torch/tensor.js';
import type { LabelSets } from './dataset.js';

/**
 * The multi-hot rows of `sets` as a float32 [B, numClasses] tensor (the caller owns it).
 *
 * @example
 * const labels = multiHot(batchSets, dm.numClasses);
 */
export function multiHot(sets: LabelSets, numClasses: number): Tensor {
  const rows = new Float32Array(sets.length * numClasses);
  sets.forEach((set, b) => {
    for (const c of set) {
      if (!(Number.isInteger(c) && c >= 0 && c < numClasses))
        throw new DataError(`multiHot: expected class indices in [0, ${numClasses}), but got ${c} for sample ${b} of the batch`);
      rows[b * numClasses + c] = 1;
    }
  });
  return tensor(rows, { shape: [sets.length, numClasses] });
}
