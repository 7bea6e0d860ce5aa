/**
 * `ClassificationBatch`: a batch as the data loader yields it and as a
 * module's steps and the Trainer's hooks receive it. Declared with the data,
 * below both the modules and the Trainer, so neither imports the other.
 *
 * @example
 * const batch: ClassificationBatch = { images: torch.zeros([2, 3, 8, 8]), labels: torch.tensor([0, 1], { dtype: 'int64' }) };
 */
import type { Tensor } from '../torch/index.js';

/** `labels` are int64 [B] or soft targets float [B, C]; `indices` name the samples in the data set. */
export interface ClassificationBatch {
  images: Tensor;
  labels: Tensor;
  indices?: number[];
}
