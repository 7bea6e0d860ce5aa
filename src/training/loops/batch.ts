/**
 * Batches on the run's device. On CPU the loader's batch is used as is; on
 * CUDA it is copied over and the host batch freed.
 *
 * @example
 * const batch = toDevice(raw, 'cuda');
 */
import type { Batch } from '../../data/data-loader.js';
import * as torch from '../../torch/index.js';

/** The batch on `device` (the same object on CPU). */
export function toDevice(batch: Batch, device: 'cpu' | 'cuda'): Batch {
  if (device === 'cpu') return batch;
  const moved = { images: batch.images.to({ device }), labels: batch.labels.to({ device }), indices: batch.indices };
  torch.dispose([batch.images, batch.labels]);
  return moved;
}
