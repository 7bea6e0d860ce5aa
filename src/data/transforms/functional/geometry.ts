/**
 * Geometric functionals on uint8 HWC images: crop (with zero padding past
 * the edges), pad, flips, resize (sharp) and torchvision's affine warp
 * (`F.affine` / `F.rotate` on tensors: inverse matrix, `grid_sample` with
 * `align_corners=False`, zero padding, fill through the mask channel).
 *
 * @example
 * const patch = crop(image, { top: 10, left: 20, height: 64, width: 64 });
 */
import { fromSharp, toSharp } from '../../image.js';
import type { RawImage } from '../../image.js';
import { roundHalfEven } from './color.js';
import { resamplePil } from './resample.js';
import { resampleBicubic } from './resample-bicubic.js';
import { affineNearestNative } from '../../native-image.js';
import type { Box } from '../../native-image.js';
import { affineBilinear } from './affine-bilinear.js';

export { resamplePil } from './resample.js';
export type { Box } from '../../native-image.js';

/** `F.crop`: the box may extend past the image; the outside is filled with `fill` (0 by default). */
export function crop(image: RawImage, box: Box, fill: readonly number[] = [0]): RawImage {
  const { width, height, channels, data } = image;
  const out = Buffer.allocUnsafe(box.width * box.height * channels);
  const inside = box.top >= 0 && box.left >= 0 && box.top + box.height <= height && box.left + box.width <= width;
  if (!inside) {
    for (let i = 0; i < out.length; i++) out[i] = fill[(i % channels) % fill.length];
  }
  const x0 = Math.max(0, box.left);
  const x1 = Math.min(width, box.left + box.width);
  for (let y = Math.max(0, box.top); y < Math.min(height, box.top + box.height); y++) {
    if (x1 <= x0) break;
    const dst = ((y - box.top) * box.width + (x0 - box.left)) * channels;
    data.copy(out, dst, (y * width + x0) * channels, (y * width + x1) * channels);
  }
  return { data: out, width: box.width, height: box.height, channels };
}

/** Constant padding on each side. */
export function pad(
  image: RawImage,
  padding: { left: number; top: number; right: number; bottom: number },
  fill: readonly number[] = [0],
): RawImage {
  return crop(
    image,
    {
      top: -padding.top,
      left: -padding.left,
      height: image.height + padding.top + padding.bottom,
      width: image.width + padding.left + padding.right,
    },
    fill,
  );
}

/** Mirrors left-right. */
export function hflip(image: RawImage): RawImage {
  const { width, height, channels, data } = image;
  const out = Buffer.allocUnsafe(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    if (channels === 3) {
      for (let s = row, d = row + (width - 1) * 3; d >= row; s += 3, d -= 3) {
        out[d] = data[s];
        out[d + 1] = data[s + 1];
        out[d + 2] = data[s + 2];
      }
    } else {
      for (let x = 0; x < width; x++) out[row + width - 1 - x] = data[row + x];
    }
  }
  return { ...image, data: out };
}

/** Mirrors top-bottom. */
export function vflip(image: RawImage): RawImage {
  const { width, height, channels, data } = image;
  const rowBytes = width * channels;
  const out = Buffer.allocUnsafe(data.length);
  for (let y = 0; y < height; y++) data.copy(out, (height - 1 - y) * rowBytes, y * rowBytes, (y + 1) * rowBytes);
  return { ...image, data: out };
}

/**
 * Bilinear (antialiased when shrinking: PIL's BILINEAR, exactly, through
 * `resamplePil`), bicubic (PIL's BICUBIC, exactly: `resampleBicubic`) or nearest (sharp) resize. `mirror` also flips the result
 * left-right (fused into the resize: no extra pass).
 *
 * @example
 * const out = await resize(image, { width: 224, height: 224 }, 'bilinear', { mirror: true });
 */
export async function resize(
  image: RawImage,
  size: { width: number; height: number },
  interpolation: 'nearest' | 'bilinear' | 'bicubic' = 'bilinear',
  options: { mirror?: boolean } = {},
): Promise<RawImage> {
  const mirror = options.mirror ?? false;
  if (size.width === image.width && size.height === image.height) return mirror ? hflip(image) : image;
  if (interpolation === 'bilinear') return resamplePil(image, size, { mirror });
  if (interpolation === 'bicubic') return mirror ? hflip(resampleBicubic(image, size)) : resampleBicubic(image, size);
  const pipeline = toSharp(image).resize(size.width, size.height, { kernel: 'nearest', fit: 'fill', fastShrinkOnLoad: false });
  return fromSharp(mirror ? pipeline.flop() : pipeline, image.channels);
}

/** `_compute_resized_output_size` for a shorter-side `size` and optional `maxSize`: [height, width]. */
export function shorterSideSize(height: number, width: number, size: number, maxSize?: number): [number, number] {
  const short = Math.min(height, width);
  const long = Math.max(height, width);
  let newShort = size;
  let newLong = Math.trunc((size * long) / short);
  if (maxSize !== undefined && newLong > maxSize) {
    newShort = Math.trunc((maxSize * newShort) / newLong);
    newLong = maxSize;
  }
  return width <= height ? [newLong, newShort] : [newShort, newLong];
}

/** Parameters of `F.affine`: degrees, pixels, a factor and degrees of shear. */
export interface AffineParams {
  angle: number;
  translate: [number, number];
  scale: number;
  shear: [number, number];
  /** Centre in pixels; default the image centre. */
  center?: [number, number];
}

/** `_get_inverse_affine_matrix` with the centre given relative to the image centre. */
export function inverseAffineMatrix(center: [number, number], p: AffineParams): number[] {
  const rot = (p.angle * Math.PI) / 180;
  const sx = (p.shear[0] * Math.PI) / 180;
  const sy = (p.shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = p.translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((x) => x / p.scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/**
 * `F.affine` on a uint8 tensor. `fill` null means plain zero padding (what
 * RandAugment passes); a fill list goes through torchvision's mask channel.
 * Both warps run in the image addon: nearest (the AutoAugment family's
 * default) in `affineNearestNative` (the source coordinates computed as
 * `affineBilinear` computes them, rounded half to even), bilinear in
 * `affineBilinear` (native/image/warp.cc).
 */
export function affine(
  image: RawImage,
  params: AffineParams,
  options: { interpolation?: 'nearest' | 'bilinear'; fill?: readonly number[] | null } = {},
): RawImage {
  const { width: w, height: h, channels, data } = image;
  const center: [number, number] = params.center === undefined ? [0, 0] : [params.center[0] - w * 0.5, params.center[1] - h * 0.5];
  const m = inverseAffineMatrix(center, params).map(Math.fround);
  const bilinear = options.interpolation === 'bilinear';
  const fill = options.fill ?? null;
  if (!bilinear) {
    const fills = fill === null ? null : Float64Array.from({ length: channels }, (_, c) => fill[fill.length === 1 ? 0 : c]);
    return { ...image, data: affineNearestNative(data, w, h, channels, Float64Array.from(m), fills) };
  }
  return { ...image, data: affineBilinear(image, m, fill) };
}

/** `_get_gaussian_kernel1d`. */
export function gaussianKernel1d(kernelSize: number, sigma: number): Float64Array {
  const half = (kernelSize - 1) * 0.5;
  const k = new Float64Array(kernelSize);
  let sum = 0;
  for (let i = 0; i < kernelSize; i++) {
    const x = kernelSize === 1 ? -half : -half + (2 * half * i) / (kernelSize - 1);
    k[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    sum += k[i];
  }
  for (let i = 0; i < kernelSize; i++) k[i] /= sum;
  return k;
}

const reflect = (i: number, n: number): number => {
  if (n === 1) return 0;
  let r = i;
  while (r < 0 || r >= n) r = r < 0 ? -r : 2 * (n - 1) - r;
  return r;
};

/** `F.gaussian_blur` on a uint8 tensor: separable kernel, reflect padding, round half to even. */
export function gaussianBlur(image: RawImage, kernelSize: [number, number], sigma: [number, number]): RawImage {
  const { width: w, height: h, channels, data } = image;
  const kx = gaussianKernel1d(kernelSize[0], sigma[0]);
  const ky = gaussianKernel1d(kernelSize[1], sigma[1]);
  const rx = kernelSize[0] >> 1;
  const ry = kernelSize[1] >> 1;
  const tmp = new Float64Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let t = 0; t < kx.length; t++) s += kx[t] * data[(y * w + reflect(x + t - rx, w)) * channels + c];
        tmp[(y * w + x) * channels + c] = s;
      }
    }
  }
  const out = Buffer.allocUnsafe(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let t = 0; t < ky.length; t++) s += ky[t] * tmp[(reflect(y + t - ry, h) * w + x) * channels + c];
        out[(y * w + x) * channels + c] = Math.min(255, Math.max(0, roundHalfEven(s)));
      }
    }
  }
  return { ...image, data: out };
}
