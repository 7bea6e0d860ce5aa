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
const WB = Float64Array.from({ length: 256 }, (_, v) => f32(f32(0.114) * v));
/** `f32(f32(0.2989) * r) + f32(f32(0.587) * g)` rounded to float32, for every (r, g): one lookup instead of two products and a rounding. */
const RG = (() => {
  const wr = f32(0.2989);
  const wg = f32(0.587);
  const table = new Float32Array(65536);
  for (let r = 0; r < 256; r++) for (let g = 0; g < 256; g++) table[(r << 8) | g] = f32(f32(wr * r) + f32(wg * g));
  return table;
})();

/** torchvision's grey value of one uint8 pixel (`(0.2989 r + 0.587 g + 0.114 b).to(uint8)` in float32). */
function grey(r: number, g: number, b: number): number {
  return f32(RG[(r << 8) | g] + WB[b]) | 0;
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
  const sum = channels === 1 ? sumBytes(data, lut ?? IDENTITY) : sumGrey(data, lut ?? IDENTITY);
  return f32(sum / (data.length / channels));
}

// One loop per function, each without untaken branches: V8 keeps them optimized.
function sumBytes(data: Buffer, lut: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += lut[data[i]];
  return sum;
}

function sumGrey(data: Buffer, lut: Uint8Array): number {
  let sum = 0;
  for (let j = 0; j < data.length; j += 3) sum += grey(lut[data[j]], lut[data[j + 1]], lut[data[j + 2]]);
  return sum;
}

/**
 * The saturation blend of every (grey, value) pair, through `post`:
 * `post[clamp(f32(f32(r * x) + f32((1 - r) * grey)))]` at `(grey << 8) | x`.
 * Grey values stop at 254 (the weights sum to 0.9999), so 255 rows suffice.
 */
function saturationTable(ratio: number, post: Uint8Array | null): Uint8Array {
  const r = f32(ratio);
  const q = f32(1 - ratio);
  const rx = new Float64Array(256);
  for (let x = 0; x < 256; x++) rx[x] = f32(r * x);
  const table = new Uint8Array(255 * 256);
  for (let g = 0; g < 255; g++) {
    const m = f32(q * g);
    const row = g << 8;
    for (let x = 0; x < 256; x++) {
      const v = f32(rx[x] + m);
      table[row | x] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
    if (post !== null) for (let x = 0; x < 256; x++) table[row | x] = post[table[row | x]];
  }
  return table;
}

/**
 * Saturation of `pre(src)` written as `post(result)` into `out`; returns the
 * sum of the written pixels' grey values when `sumGrey` (else 0).
 */
function saturate(src: Buffer, out: Buffer, ratio: number, pre: Uint8Array | null, post: Uint8Array | null, sumGrey: boolean): number {
  const table = saturationTable(ratio, post);
  if (sumGrey) return saturateSumming(src, out, table, pre ?? IDENTITY);
  if (pre === null) saturatePlain(src, out, table);
  else saturateMapped(src, out, table, pre);
  return 0;
}

function saturatePlain(src: Buffer, out: Buffer, table: Uint8Array): void {
  const n = src.length;
  for (let j = 0; j < n; j += 3) {
    const r0 = src[j];
    const g0 = src[j + 1];
    const b0 = src[j + 2];
    const row = grey(r0, g0, b0) << 8;
    out[j] = table[row | r0];
    out[j + 1] = table[row | g0];
    out[j + 2] = table[row | b0];
  }
}

/** With a table on read. */
function saturateMapped(src: Buffer, out: Buffer, table: Uint8Array, pre: Uint8Array): void {
  const n = src.length;
  for (let j = 0; j < n; j += 3) {
    const r0 = pre[src[j]];
    const g0 = pre[src[j + 1]];
    const b0 = pre[src[j + 2]];
    const row = grey(r0, g0, b0) << 8;
    out[j] = table[row | r0];
    out[j + 1] = table[row | g0];
    out[j + 2] = table[row | b0];
  }
}

/** With a table on read, and the grey sum of what is written. */
function saturateSumming(src: Buffer, out: Buffer, table: Uint8Array, pre: Uint8Array): number {
  let sum = 0;
  const n = src.length;
  for (let j = 0; j < n; j += 3) {
    const r0 = pre[src[j]];
    const g0 = pre[src[j + 1]];
    const b0 = pre[src[j + 2]];
    const row = grey(r0, g0, b0) << 8;
    const or = table[row | r0];
    const og = table[row | g0];
    const ob = table[row | b0];
    out[j] = or;
    out[j + 1] = og;
    out[j + 2] = ob;
    sum += grey(or, og, ob);
  }
  return sum;
}

/** `out[i] = lut[src[i]]`, four bytes per step when both buffers are 4-byte aligned. */
function mapBytes(src: Buffer, out: Buffer, lut: Uint8Array): void {
  const aligned = src.byteOffset % 4 === 0 && out.byteOffset % 4 === 0;
  const words = aligned ? src.length >>> 2 : 0;
  if (words > 0) mapWords(new Uint32Array(src.buffer, src.byteOffset, words), new Uint32Array(out.buffer, out.byteOffset, words), lut);
  if (words * 4 < src.length) mapTail(src, out, lut, words * 4);
}

function mapWords(s32: Uint32Array, o32: Uint32Array, lut: Uint8Array): void {
  for (let k = 0; k < s32.length; k++) {
    const w = s32[k];
    o32[k] = (lut[w & 255] | (lut[(w >>> 8) & 255] << 8) | (lut[(w >>> 16) & 255] << 16) | (lut[w >>> 24] << 24)) >>> 0;
  }
}

function mapTail(src: Buffer, out: Buffer, lut: Uint8Array, from: number): void {
  for (let i = from; i < src.length; i++) out[i] = lut[src[i]];
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
    mapBytes(src, out, pending);
  } else if (src !== out) {
    src.copy(out);
  }
  return { data: out, width: image.width, height: image.height, channels };
}
