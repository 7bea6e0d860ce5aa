/**
 * PIL's `Image.resize(size, BICUBIC)` on uint8 HWC pixels, bit for bit:
 * Pillow's `precompute_coeffs` for the cubic filter (a = -0.5, support 2,
 * widened by the scale when shrinking: antialiased, as torchvision's
 * `Resize(..., BICUBIC)` on a PIL image), coefficients in 22-bit fixed point,
 * a horizontal pass over the rows the vertical pass reads into a uint8
 * image, then the vertical pass, each clipped to 0..255. EfficientNet's and
 * ViT's weights are measured with it. In TypeScript: it runs in the eval
 * pipeline only (bilinear, the training path, is native).
 *
 * @example
 * const out = resampleBicubic(image, { width: 224, height: 224 });
 */
import type { RawImage } from '../../image.js';

const precisionBits = 22;

/** Pillow's bicubic_filter with a = -0.5. */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** One axis' taps: for each output index the first input index, the count and the fixed-point weights. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  size: number;
  weights: Float64Array;
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for `inSize` → `outSize`. */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * size);
  const row = new Float64Array(size);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const n = Math.min(inSize, Math.trunc(center + support + 0.5)) - lo;
    let total = 0;
    for (let i = 0; i < n; i++) {
      row[i] = cubic((i + lo - center + 0.5) / filterScale);
      total += row[i];
    }
    for (let i = 0; i < n; i++) {
      const w = total === 0 ? row[i] : row[i] / total;
      weights[o * size + i] = Math.trunc(w < 0 ? -0.5 + w * 2 ** precisionBits : 0.5 + w * 2 ** precisionBits);
    }
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, size, weights };
}

/** Pillow's clip8 of a fixed-point sum. */
const clip8 = (v: number): number => (v >= 2 ** (precisionBits + 8) ? 255 : v <= 0 ? 0 : Math.floor(v / 2 ** precisionBits));

/** One pass along x (`alongX`) or y of `src` (width × height × channels) into `out` (its own width × height). */
function pass(src: RawImage, out: RawImage, t: Taps, alongX: boolean, rowOffset: number): void {
  const { channels } = src;
  const half = 2 ** (precisionBits - 1);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const o = alongX ? x : y;
      const base = o * t.size;
      for (let c = 0; c < channels; c++) {
        let sum = half;
        for (let i = 0; i < t.count[o]; i++) {
          const sx = alongX ? t.first[o] + i : x;
          const sy = alongX ? y + rowOffset : t.first[o] + i;
          sum += src.data[(sy * src.width + sx) * channels + c] * t.weights[base + i];
        }
        out.data[(y * out.width + x) * channels + c] = clip8(sum);
      }
    }
  }
}

/**
 * PIL's `Image.resize((width, height), BICUBIC)` on uint8 pixels.
 *
 * @example
 * resampleBicubic(image, { width: 64, height: 48 });
 */
export function resampleBicubic(image: RawImage, size: { width: number; height: number }): RawImage {
  const { channels } = image;
  let current = image;
  const vertical = taps(image.height, size.height);
  if (size.width !== image.width) {
    // Only the rows the vertical pass reads (Pillow's ybox_first .. ybox_last).
    const top = size.height !== image.height ? vertical.first[0] : 0;
    const bottom = size.height !== image.height ? vertical.first[size.height - 1] + vertical.count[size.height - 1] : image.height;
    const temp = { data: Buffer.alloc(size.width * (bottom - top) * channels), width: size.width, height: bottom - top, channels };
    pass(image, temp, taps(image.width, size.width), true, top);
    for (let i = 0; i < size.height; i++) vertical.first[i] -= top;
    current = temp;
  }
  if (size.height === image.height) return current;
  const out = { data: Buffer.alloc(size.width * size.height * channels), width: size.width, height: size.height, channels };
  pass(current, out, vertical, false, 0);
  return out;
}
