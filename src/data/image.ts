/**
 * `RawImage`: decoded pixels as they travel between decode, the transforms
 * and the loader (uint8, interleaved HWC, 1 or 3 channels), with the small
 * helpers that move them in and out of sharp.
 *
 * @example
 * const image = createImage({ width: 4, height: 2, channels: 3 }); // black
 * const pixel = image.data.subarray(0, 3);                         // R, G, B of (0, 0)
 */
import sharp from 'sharp';
import type { Sharp } from 'sharp';

/** Decoded pixels: uint8, interleaved HWC, channels 1 or 3. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * A new image of the given size, filled with `fill` (one value per channel, or one for all).
 *
 * @example
 * createImage({ width: 2, height: 2, channels: 3, fill: [255, 0, 0] }); // red
 */
export function createImage(options: { width: number; height: number; channels: 1 | 3; fill?: number | readonly number[] }): RawImage {
  const { width, height, channels, fill = 0 } = options;
  const data = Buffer.alloc(width * height * channels);
  const values = typeof fill === 'number' ? [fill] : fill;
  if (values.some((v) => v !== 0)) {
    for (let i = 0; i < data.length; i++) data[i] = values[(i % channels) % values.length];
  }
  return { data, width, height, channels };
}

/**
 * A sharp pipeline that reads `image`'s raw pixels.
 *
 * @example
 * const png = await toSharp(image).png().toBuffer();
 */
export function toSharp(image: RawImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

/**
 * Runs a sharp pipeline to raw uint8 pixels with `channels` channels.
 * (libvips turns one-band raw input into sRGB on the way, so a grey request
 * takes the first band back: the three are equal.)
 *
 * @example
 * const small = await fromSharp(toSharp(image).resize(8, 8), 3);
 */
export async function fromSharp(pipeline: Sharp, channels: 1 | 3): Promise<RawImage> {
  const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels === channels) return { data, width: info.width, height: info.height, channels };
  const n = info.width * info.height;
  const out = Buffer.allocUnsafe(n * channels);
  if (channels === 1) {
    for (let i = 0, j = 0; i < n; i++, j += info.channels) out[i] = data[j];
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = data[i * info.channels];
  }
  return { data: out, width: info.width, height: info.height, channels };
}

/**
 * PIL's "L" conversion (ITU-R 601-2 luma, fixed point), which torchvision's
 * Grayscale uses on PIL images.
 *
 * @example
 * const grey = toGrayscale(rgbImage); // channels 1
 */
export function toGrayscale(image: RawImage): RawImage {
  if (image.channels === 1) return image;
  const n = image.width * image.height;
  const src = image.data;
  const out = Buffer.allocUnsafe(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = (src[j] * 19595 + src[j + 1] * 38470 + src[j + 2] * 7471 + 0x8000) >>> 16;
  }
  return { data: out, width: image.width, height: image.height, channels: 1 };
}
