/**
 * Brightness, contrast and saturation in any order in at most two passes
 * over the pixels, with exactly the bytes of running `adjustBrightness`,
 * `adjustContrast` and `adjustSaturation` one after the other (torchvision's
 * tensor semantics: each step blends in float32, clamps to [0, 255] and
 * truncates to uint8 before the next one reads it).
 *
 * Why it is exact: brightness and contrast map each value through its own
 * 256-entry table (the blend partner is a constant), so runs of them compose
 * into one table applied lazily while the next pass reads; saturation needs
 * the pixel's grey value and runs per pixel, with the pending table applied
 * on read and the following brightness tables applied before the write;
 * contrast needs the mean grey value of the image as it stands, which is
 * summed in the pass that produces (or reads) that image.
 *
 * @example
 * const out = adjustColors(image, [{ op: 'contrast', factor: 1.2 }, { op: 'brightness', factor: 0.8 }]);
 */
import type { RawImage } from '../../image.js';

/** One step of a colour adjustment. */
export interface ColorStep {
  op: 'brightness' | 'contrast' | 'saturation';
  factor: number;
}

const f32 = Math.fround;
const WR = Float64Array.from({ length: 256 }, (_, v) => f32(f32(0.2989) * v));
const WG = Float64Array.from({ length: 256 }, (_, v) => f32(f32(0.587) * v));
const WB = Float64Array.from({ length: 256 }, (_, v) => f32(f32(0.114) * v));

/** torchvision's grey value of one uint8 pixel (`(0.2989 r + 0.587 g + 0.114 b).to(uint8)` in float32). */
function grey(r: number, g: number, b: number): number {
  return f32(f32(WR[r] + WG[g]) + WB[b]) | 0;
}

/** The blend-with-a-constant table: `clamp(f32(f32(r * a) + f32((1 - r) * other)))` truncated. */
function blendTable(ratio: number, other: number): Uint8Array {
  const r = f32(ratio);
  const qb = f32(f32(1 - ratio) * f32(other));
  const lut = new Uint8Array(256);
  for (let a = 0; a < 256; a++) {
    const v = f32(f32(r * a) + qb);
    lut[a] = v <= 0 ? 0 : v >= 255 ? 255 : v;
  }
  return lut;
}

/** `outer ∘ inner` (inner null: identity). */
function compose(outer: Uint8Array, inner: Uint8Array | null): Uint8Array {
  if (inner === null) return outer;
  const out = new Uint8Array(256);
  for (let a = 0; a < 256; a++) out[a] = outer[inner[a]];
  return out;
}

/** float32 mean of the grey values of `lut(data)` (the contrast blend partner). */
function greyMean(data: Buffer, channels: number, lut: Uint8Array | null): number {
  const n = data.length / channels;
  let sum = 0;
  if (channels === 1) {
    for (let i = 0; i < n; i++) sum += lut === null ? data[i] : lut[data[i]];
  } else if (lut === null) {
    for (let j = 0; j < data.length; j += 3) sum += grey(data[j], data[j + 1], data[j + 2]);
  } else {
    for (let j = 0; j < data.length; j += 3) sum += grey(lut[data[j]], lut[data[j + 1]], lut[data[j + 2]]);
  }
  return f32(sum / n);
}

/**
 * Saturation of `pre(src)` written as `post(result)` into `out`; returns the
 * sum of the written pixels' grey values when `sumGrey` (else 0).
 */
function saturate(src: Buffer, out: Buffer, ratio: number, pre: Uint8Array | null, post: Uint8Array | null, sumGrey: boolean): number {
  const r = f32(ratio);
  const q = f32(1 - ratio);
  const rx = Float64Array.from({ length: 256 }, (_, v) => f32(r * v));
  const qg = Float64Array.from({ length: 256 }, (_, v) => f32(q * v));
  const a = pre ?? IDENTITY;
  const z = post ?? IDENTITY;
  let sum = 0;
  for (let j = 0; j < src.length; j += 3) {
    const r0 = a[src[j]];
    const g0 = a[src[j + 1]];
    const b0 = a[src[j + 2]];
    const m = qg[grey(r0, g0, b0)];
    const vr = f32(rx[r0] + m);
    const vg = f32(rx[g0] + m);
    const vb = f32(rx[b0] + m);
    const or = z[vr <= 0 ? 0 : vr >= 255 ? 255 : vr | 0];
    const og = z[vg <= 0 ? 0 : vg >= 255 ? 255 : vg | 0];
    const ob = z[vb <= 0 ? 0 : vb >= 255 ? 255 : vb | 0];
    out[j] = or;
    out[j + 1] = og;
    out[j + 2] = ob;
    if (sumGrey) sum += grey(or, og, ob);
  }
  return sum;
}

const IDENTITY = Uint8Array.from({ length: 256 }, (_, v) => v);

/**
 * Runs the steps in order on a copy of `image` (the input is not changed).
 * Saturation leaves one-channel images as they are, as in torchvision.
 *
 * @example
 * adjustColors(image, [{ op: 'saturation', factor: 1.3 }, { op: 'contrast', factor: 0.9 }]);
 */
export function adjustColors(image: RawImage, steps: readonly ColorStep[]): RawImage {
  const { channels } = image;
  let src = image.data;
  const out = Buffer.allocUnsafe(src.length);
  let pending: Uint8Array | null = null;
  /** The mean grey value of the current image before `pending`, when the pass that made it has summed it. */
  let knownMean: number | null = null;
  for (let k = 0; k < steps.length; k++) {
    const { op, factor } = steps[k];
    if (op === 'brightness') {
      pending = compose(blendTable(factor, 0), pending);
    } else if (op === 'contrast') {
      const mean = knownMean ?? greyMean(src, channels, pending);
      knownMean = null;
      pending = compose(blendTable(factor, mean), pending);
    } else if (channels === 3) {
      // Brightness steps right after saturation go into its write; a contrast after those needs this pass's grey sum.
      let post: Uint8Array | null = null;
      let next = k + 1;
      for (; next < steps.length && steps[next].op === 'brightness'; next++) post = compose(blendTable(steps[next].factor, 0), post);
      const sumGrey = next < steps.length && steps[next].op === 'contrast';
      const sum = saturate(src, out, factor, pending, post, sumGrey);
      knownMean = sumGrey ? f32(sum / (src.length / 3)) : null;
      src = out;
      pending = null;
      k = next - 1;
    }
  }
  if (pending !== null) {
    for (let i = 0; i < src.length; i++) out[i] = pending[src[i]];
  } else if (src !== out) {
    src.copy(out);
  }
  return { data: out, width: image.width, height: image.height, channels };
}
