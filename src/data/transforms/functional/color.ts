/**
 * torchvision's colour functionals on uint8 images (the tensor versions in
 * `functional_tensor.py`, float32 arithmetic emulated with `Math.fround`, so
 * results match bit for bit except for rare float-rounding ties).
 *
 * @example
 * const brighter = adjustBrightness(image, 1.2);
 */
import type { RawImage } from '../../image.js';

const f32 = Math.fround;

function like(image: RawImage, data: Buffer = Buffer.allocUnsafe(image.data.length)): RawImage {
  return { data, width: image.width, height: image.height, channels: image.channels };
}

/** `(ratio * a + (1 - ratio) * b).clamp(0, 255).to(uint8)`; `b` is an image or a constant. */
export function blend(image: RawImage, other: Buffer | number, ratio: number): RawImage {
  const r = f32(ratio);
  const q = f32(1 - ratio);
  const src = image.data;
  const out = Buffer.allocUnsafe(src.length);
  if (typeof other === 'number') {
    // One input value → one output value: a 256-entry table gives the same bytes.
    const qb = f32(q * f32(other));
    const lut = new Uint8Array(256);
    for (let a = 0; a < 256; a++) {
      const v = f32(f32(r * a) + qb);
      lut[a] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
    for (let i = 0; i < src.length; i++) out[i] = lut[src[i]];
  } else {
    const perPixel = other.length !== src.length;
    for (let i = 0; i < src.length; i++) {
      const b = perPixel ? other[(i / image.channels) | 0] : other[i];
      const v = f32(f32(r * src[i]) + f32(q * b));
      out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return like(image, out);
}

/** torchvision's tensor grayscale: `(0.2989 r + 0.587 g + 0.114 b).to(uint8)`, one channel per pixel. */
export function grayscaleValues(image: RawImage): Buffer {
  const n = image.width * image.height;
  if (image.channels === 1) return Buffer.from(image.data);
  const src = image.data;
  const out = Buffer.allocUnsafe(n);
  const wr = f32(0.2989);
  const wg = f32(0.587);
  const wb = f32(0.114);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = f32(f32(f32(wr * src[j]) + f32(wg * src[j + 1])) + f32(wb * src[j + 2]));
  }
  return out;
}

/** `rgb_to_grayscale(img, num_output_channels)`. */
export function rgbToGrayscale(image: RawImage, outputChannels: 1 | 3 = 1): RawImage {
  const grey = grayscaleValues(image);
  if (outputChannels === 1) return { data: grey, width: image.width, height: image.height, channels: 1 };
  const out = Buffer.allocUnsafe(grey.length * 3);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = grey[i];
  return { data: out, width: image.width, height: image.height, channels: 3 };
}

/** Blends with black. */
export function adjustBrightness(image: RawImage, factor: number): RawImage {
  return blend(image, 0, factor);
}

/** Blends with the mean of the grayscale image. */
export function adjustContrast(image: RawImage, factor: number): RawImage {
  const grey = grayscaleValues(image);
  let sum = 0;
  for (let i = 0; i < grey.length; i++) sum += grey[i];
  return blend(image, f32(sum / grey.length), factor);
}

/** Blends with the grayscale image (a no-op on one channel, as in PIL). */
export function adjustSaturation(image: RawImage, factor: number): RawImage {
  if (image.channels === 1) return image;
  return blend(image, grayscaleValues(image), factor);
}

/** `uint8 / 255.0` in float32, for every byte. */
const unitScale = Float64Array.from({ length: 256 }, (_, v) => f32(v / 255));
const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Shifts hue in HSV by `factor` (in [-0.5, 0.5]) of a full turn; grey images are unchanged. */
export function adjustHue(image: RawImage, factor: number): RawImage {
  if (image.channels === 1) return image;
  const src = image.data;
  const out = Buffer.allocUnsafe(src.length);
  for (let j = 0; j < src.length; j += 3) {
    const r = unitScale[src[j]];
    const g = unitScale[src[j + 1]];
    const b = unitScale[src[j + 2]];
    const maxc = r > g ? (r > b ? r : b) : g > b ? g : b;
    const minc = r < g ? (r < b ? r : b) : g < b ? g : b;
    const cr = f32(maxc - minc);
    const eq = maxc === minc;
    const s = eq ? 0 : f32(cr / maxc);
    let h = 0;
    if (!eq) {
      const rc = f32(f32(maxc - r) / cr);
      const gc = f32(f32(maxc - g) / cr);
      const bc = f32(f32(maxc - b) / cr);
      if (maxc === r) h = f32(bc - gc);
      else if (maxc === g) h = f32(f32(2 + rc) - bc);
      else h = f32(f32(4 + gc) - rc);
    }
    h = f32(f32(h / 6) + 1) % 1;
    h = f32(h + f32(factor));
    h = f32(((h % 1) + 1) % 1);
    const v = maxc;
    const h6 = f32(h * 6);
    const i = Math.floor(h6);
    const f = f32(h6 - i);
    const p = clamp01(f32(v * f32(1 - s)));
    const q = clamp01(f32(v * f32(1 - f32(s * f))));
    const t = clamp01(f32(v * f32(1 - f32(s * f32(1 - f)))));
    let r2: number, g2: number, b2: number;
    switch (((i % 6) + 6) % 6) {
      case 0:
        r2 = v;
        g2 = t;
        b2 = p;
        break;
      case 1:
        r2 = q;
        g2 = v;
        b2 = p;
        break;
      case 2:
        r2 = p;
        g2 = v;
        b2 = t;
        break;
      case 3:
        r2 = p;
        g2 = q;
        b2 = v;
        break;
      case 4:
        r2 = t;
        g2 = p;
        b2 = v;
        break;
      default:
        r2 = v;
        g2 = p;
        b2 = q;
    }
    out[j] = f32(r2 * 255);
    out[j + 1] = f32(g2 * 255);
    out[j + 2] = f32(b2 * 255);
  }
  return like(image, out);
}

/** Keeps the top `bits` bits of every value. */
export function posterize(image: RawImage, bits: number): RawImage {
  const mask = -(2 ** (8 - bits)) & 0xff;
  const out = Buffer.allocUnsafe(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i] & mask;
  return like(image, out);
}

/** Inverts values at or above `threshold`. */
export function solarize(image: RawImage, threshold: number): RawImage {
  const out = Buffer.allocUnsafe(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i] >= threshold ? 255 - image.data[i] : image.data[i];
  return like(image, out);
}

/** Stretches each channel to the full 0-255 range. */
export function autocontrast(image: RawImage): RawImage {
  const { channels, data } = image;
  const out = Buffer.allocUnsafe(data.length);
  for (let c = 0; c < channels; c++) {
    let lo = 255;
    let hi = 0;
    for (let i = c; i < data.length; i += channels) {
      lo = Math.min(lo, data[i]);
      hi = Math.max(hi, data[i]);
    }
    // torchvision computes `255.0 / (max - min)` as a Python float over a tensor: reciprocal, then product.
    const scale = hi === lo ? 1 : f32(f32(1 / (hi - lo)) * 255);
    const min = hi === lo ? 0 : lo;
    for (let i = c; i < data.length; i += channels) {
      const v = f32((data[i] - min) * scale);
      out[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  }
  return like(image, out);
}

/** Histogram equalization per channel (torchvision's `_scale_channel`). */
export function equalize(image: RawImage): RawImage {
  const { channels, data } = image;
  const out = Buffer.allocUnsafe(data.length);
  for (let c = 0; c < channels; c++) {
    const hist = new Float64Array(256);
    for (let i = c; i < data.length; i += channels) hist[data[i]]++;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    let total = 0;
    for (let v = 0; v < 256; v++) if (hist[v] !== 0 && v !== last) total += hist[v];
    const step = Math.floor(total / 255);
    if (step === 0) {
      for (let i = c; i < data.length; i += channels) out[i] = data[i];
      continue;
    }
    const lut = new Uint8Array(256);
    let cum = 0;
    for (let v = 0; v < 256; v++) {
      lut[v] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step));
      cum += hist[v];
    }
    for (let i = c; i < data.length; i += channels) out[i] = lut[data[i]];
  }
  return like(image, out);
}

/** Blends with a 3×3 smoothed copy (border pixels kept), as PIL's ImageEnhance.Sharpness. */
export function adjustSharpness(image: RawImage, factor: number): RawImage {
  const { width, height, channels, data } = image;
  if (width <= 2 || height <= 2) return image;
  const blurred = Buffer.from(data);
  const k = f32(1 / 13);
  const k5 = f32(5 / 13);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      for (let c = 0; c < channels; c++) {
        const at = (dy: number, dx: number): number => data[((y + dy) * width + x + dx) * channels + c];
        const ring = at(-1, -1) + at(-1, 0) + at(-1, 1) + at(0, -1) + at(0, 1) + at(1, -1) + at(1, 0) + at(1, 1);
        const v = ring * k + at(0, 0) * k5;
        blurred[(y * width + x) * channels + c] = Math.min(255, Math.max(0, roundHalfEven(v)));
      }
    }
  }
  return blend(image, blurred, factor);
}

/** Rounds half to even, as `torch.round` and Python's `round`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
