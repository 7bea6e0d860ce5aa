/**
 * Test helper: torchvision's reference images from
 * test/fixtures/transforms/functional.safetensors (written by
 * scripts/fixtures/transforms.py), as HWC `RawImage`s.
 *
 * @example
 * const { image, expected, compare } = references(); compare(myOutput, expected('hflip'));
 */
import { fileURLToPath } from 'node:url';
import { loadSafetensors } from '../../../torch/serialization/safetensors.js';
import type { Tensor } from '../../../torch/index.js';
import type { RawImage } from '../../image.js';

const path = fileURLToPath(new URL('../../../../test/fixtures/transforms/functional.safetensors', import.meta.url));
let cache: Record<string, Tensor> | null = null;

/** The fixture tensors by name. */
export function fixture(): Record<string, Tensor> {
  cache ??= loadSafetensors(path).tensors;
  return cache;
}

/** A uint8 CHW fixture tensor as an HWC RawImage. */
export function referenceImage(name: string): RawImage {
  const t = fixture()[name];
  if (t === undefined) throw new Error(`no fixture ${name}`);
  const [c, h, w] = t.ndim === 2 ? [1, ...t.shape] : t.shape;
  const chw = t.data() as Uint8Array;
  const data = Buffer.alloc(chw.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) data[i * c + ch] = chw[ch * h * w + i];
  return { data, width: w, height: h, channels: c as 1 | 3 };
}

/** Largest absolute difference and the fraction of values that differ. */
export function difference(a: RawImage, b: RawImage): { maxAbs: number; meanAbs: number; fractionDifferent: number } {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`shape ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`);
  }
  let maxAbs = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    maxAbs = Math.max(maxAbs, d);
    sum += d;
    if (d !== 0) count++;
  }
  return { maxAbs, meanAbs: sum / a.data.length, fractionDifferent: count / a.data.length };
}
