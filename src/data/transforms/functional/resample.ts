/**
 * PIL's `Image.resize(size, BILINEAR)` on uint8 HWC pixels, bit for bit:
 * PIL's `precompute_coeffs` for the triangle filter in 22-bit fixed point, a
 * horizontal pass into a uint8 image, then a vertical pass (the order and
 * the intermediate rounding are PIL's). Integer arithmetic throughout; the
 * common two-tap case of enlargements has its own loops. `mirror` writes the
 * horizontal pass right to left, which gives exactly `hflip(resize(x))`
 * without a separate flip pass.
 *
 * @example
 * const big = resamplePil(image, { width: 224, height: 224 }, { mirror: true });
 */
import type { RawImage } from '../../image.js';

const precisionBits = 22;
const half = 1 << (precisionBits - 1);

interface Coefficients {
  start: Int32Array;
  count: Int32Array;
  taps: number;
  weights: Int32Array;
}

/** PIL's `precompute_coeffs` for the bilinear (triangle) filter, in fixed point. */
function bilinearCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < count; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterScale);
      w[x] = t < 1 ? 1 - t : 0;
      total += w[x];
    }
    start[xx] = xmin;
    counts[xx] = count;
    for (let x = 0; x < count; x++) {
      const v = total === 0 ? 0 : w[x] / total;
      weights[xx * taps + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << precisionBits) : 0.5 + v * (1 << precisionBits));
    }
  }
  return { start, count: counts, taps, weights };
}

const clip8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/** Horizontal pass on 3-channel rows; output column o lands at `ow - 1 - o` when mirrored. */
function horizontal3(src: Buffer, width: number, height: number, ow: number, k: Coefficients, mirror: boolean): Buffer {
  const { start, count, taps, weights } = k;
  const out = Buffer.allocUnsafe(ow * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    const dstRow = y * ow * 3;
    for (let o = 0; o < ow; o++) {
      const n = count[o];
      const base = o * taps;
      let s = row + start[o] * 3;
      let s0 = half;
      let s1 = half;
      let s2 = half;
      for (let t = 0; t < n; t++, s += 3) {
        const w = weights[base + t];
        s0 += w * src[s];
        s1 += w * src[s + 1];
        s2 += w * src[s + 2];
      }
      const d = dstRow + (mirror ? ow - 1 - o : o) * 3;
      out[d] = clip8(s0 >> precisionBits);
      out[d + 1] = clip8(s1 >> precisionBits);
      out[d + 2] = clip8(s2 >> precisionBits);
    }
  }
  return out;
}

/** Horizontal pass on one-channel rows. */
function horizontal1(src: Buffer, width: number, height: number, ow: number, k: Coefficients, mirror: boolean): Buffer {
  const { start, count, taps, weights } = k;
  const out = Buffer.allocUnsafe(ow * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let o = 0; o < ow; o++) {
      const n = count[o];
      const base = o * taps;
      let sum = half;
      for (let t = 0, s = row + start[o]; t < n; t++, s++) sum += weights[base + t] * src[s];
      out[y * ow + (mirror ? ow - 1 - o : o)] = clip8(sum >> precisionBits);
    }
  }
  return out;
}

/** Vertical pass: every output row blends whole source rows (`rowBytes` values each). */
function vertical(src: Buffer, rowBytes: number, oh: number, k: Coefficients): Buffer {
  const { start, count, taps, weights } = k;
  const out = Buffer.allocUnsafe(rowBytes * oh);
  for (let o = 0; o < oh; o++) {
    const n = count[o];
    const base = o * taps;
    const first = start[o] * rowBytes;
    const dst = o * rowBytes;
    if (n === 2) {
      const w0 = weights[base];
      const w1 = weights[base + 1];
      const second = first + rowBytes;
      for (let l = 0; l < rowBytes; l++) out[dst + l] = clip8((half + w0 * src[first + l] + w1 * src[second + l]) >> precisionBits);
    } else {
      for (let l = 0; l < rowBytes; l++) {
        let sum = half;
        for (let t = 0, s = first + l; t < n; t++, s += rowBytes) sum += weights[base + t] * src[s];
        out[dst + l] = clip8(sum >> precisionBits);
      }
    }
  }
  return out;
}

/**
 * PIL's `Image.resize(..., BILINEAR)` on uint8 pixels: horizontal pass, then
 * vertical; `mirror: true` also flips left-right (exactly `hflip` of the result).
 *
 * @example
 * resamplePil(image, { width: 64, height: 48 });
 */
export function resamplePil(image: RawImage, size: { width: number; height: number }, options: { mirror?: boolean } = {}): RawImage {
  const { width, height, channels } = image;
  const mirror = options.mirror ?? false;
  let data = image.data;
  let w = width;
  if (size.width !== width || mirror) {
    const k = bilinearCoefficients(width, size.width);
    data =
      channels === 3 ? horizontal3(data, width, height, size.width, k, mirror) : horizontal1(data, width, height, size.width, k, mirror);
    w = size.width;
  }
  if (size.height !== height) data = vertical(data, w * channels, size.height, bilinearCoefficients(height, size.height));
  return { data: data === image.data ? Buffer.from(data) : data, width: w, height: size.height, channels };
}
