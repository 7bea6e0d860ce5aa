/**
 * The bilinear warp of `affine` (geometry.ts): torchvision's `grid_sample`
 * with `align_corners=False` and zero padding, a fill through the mask
 * channel, values rounded half to even. Interior pixels take a branch-free
 * path and a pure whole-pixel translation is a shifted copy (its sampling
 * points land on pixel centres, where the bilinear weights are 1 and 0):
 * the bytes of the plain per-tap loop, which still handles the border.
 *
 * @example
 * const data = affineBilinear(image, [1, 0, -3, 0, 1, 2], null);
 */
import type { RawImage } from '../../image.js';

/**
 * `roundHalfEven` clamped to a byte, without its `%`: `Math.round` rounds
 * halves up, and `r - v` is exactly 0.5 only at a half (the subtraction of
 * two numbers within a factor of two of each other is exact).
 */
const toByte = (v: number): number => {
  let r = Math.round(v);
  if (r - v === 0.5 && (r & 1) !== 0) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
};

/** `m`: the float32 inverse matrix; `fill` null is zero padding without the mask channel. */
export function affineBilinear(image: RawImage, m: readonly number[], fill: readonly number[] | null): Buffer {
  const { width: w, height: h, channels } = image;
  const fills = fill === null ? null : Float64Array.from({ length: channels }, (_, c) => fill[fill.length === 1 ? 0 : c]);
  const shift = m[0] === 1 && m[1] === 0 && m[3] === 0 && m[4] === 1 && Number.isInteger(m[2]) && Number.isInteger(m[5]);
  // Whole-pixel offsets below 2^20 keep every sampling coordinate exact in float32.
  if (shift && Math.abs(m[2]) < 2 ** 20 && Math.abs(m[5]) < 2 ** 20) return shifted(image, m[2], m[5], fills);
  const out = Buffer.allocUnsafe(image.data.length);
  const [m0, m1, m2, m3, m4, m5] = m;
  const { data } = image;
  const row = w * channels;
  const outside = Uint8Array.from({ length: channels }, (_, c) => (fills === null ? 0 : toByte(fills[c])));
  for (let i = 0; i < h; i++) {
    const y = i - h * 0.5 + 0.5;
    const ry = m1 * y;
    const ryy = m4 * y;
    for (let j = 0; j < w; j++) {
      const x = j - w * 0.5 + 0.5;
      // The same operations, in the same order, as the per-tap loop (`edgePixel`).
      const sx = Math.fround(m0 * x + ry + m2) + w * 0.5 - 0.5;
      const sy = Math.fround(m3 * x + ryy + m5) + h * 0.5 - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const d = (i * w + j) * channels;
      if (x0 < 0 || y0 < 0 || x0 + 1 >= w || y0 + 1 >= h) {
        // No tap inside: the mask is 0 and the value the fill (0 without one).
        if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) for (let c = 0; c < channels; c++) out[d + c] = outside[c];
        else edgePixel(image, out, d, sx, sy, fills);
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const s = (y0 * w + x0) * channels;
      const mask = fills === null ? 1 : w00 + w01 + w10 + w11;
      for (let c = 0; c < channels; c++) {
        const t = s + c;
        let v = w00 * data[t] + w01 * data[t + channels] + w10 * data[t + row] + w11 * data[t + row + channels];
        if (fills !== null) v = v * mask + (1 - mask) * fills[c];
        out[d + c] = toByte(v);
      }
    }
  }
  return out;
}

const edgeAcc = new Float64Array(4);

function edgePixel(image: RawImage, out: Buffer, d: number, sx: number, sy: number, fills: Float64Array | null): void {
  const { width: w, height: h, channels, data } = image;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  let mask = 0;
  const acc = edgeAcc.fill(0);
  for (let k = 0; k < 4; k++) {
    const xx = x0 + (k & 1);
    const yy = y0 + (k >> 1);
    if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
    const wgt = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
    mask += wgt;
    const s = (yy * w + xx) * channels;
    for (let c = 0; c < channels; c++) acc[c] += wgt * data[s + c];
  }
  for (let c = 0; c < channels; c++) out[d + c] = toByte(fills === null ? acc[c] : acc[c] * mask + (1 - mask) * fills[c]);
}

/** Source pixel (i + dy, j + dx) for output (i, j); the fill (or 0) outside, as the warp rounds it. */
function shifted(image: RawImage, dx: number, dy: number, fills: Float64Array | null): Buffer {
  const { width: w, height: h, channels, data } = image;
  const out = Buffer.alloc(data.length);
  if (fills !== null) for (let i = 0; i < out.length; i++) out[i] = toByte(fills[i % channels]);
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(w, w - dx);
  if (x1 <= x0) return out;
  for (let i = Math.max(0, -dy); i < Math.min(h, h - dy); i++) {
    data.copy(out, (i * w + x0) * channels, ((i + dy) * w + x0 + dx) * channels, ((i + dy) * w + x1 + dx) * channels);
  }
  return out;
}
