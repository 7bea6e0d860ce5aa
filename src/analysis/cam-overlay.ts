/**
 * A Grad-CAM map drawn on its image: the map in turbo colors blended over the
 * pixels (grey images are drawn as RGB), written as PNG through sharp. The
 * map and the image have the same size: the map is computed at the model's
 * input, and the image is the input before normalisation.
 *
 * @example
 * const { cams } = gradCam(model, batch.images);
 * await writeCamOverlay('cam/0.png', image, cams.select(0, 0).data() as Float32Array);
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { RawImage } from '../data/image.js';
import { ConfigError, SerializationError, ShapeError, fsReason } from '../errors.js';
import { turbo } from './cam-colormap.js';

/** Options of `camOverlay` and `writeCamOverlay`. */
export interface CamOverlayOptions {
  /** The heatmap's weight in the blend, in [0, 1] (default 0.5; 1 draws the heatmap alone). */
  alpha?: number;
}

/**
 * The RGB image of `cam` (values in [0, 1], row-major, the image's height x
 * width) in turbo colors blended over `image`.
 *
 * @example
 * const rgb = camOverlay(image, cam, { alpha: 0.4 }); // RawImage, 3 channels
 */
export function camOverlay(image: RawImage, cam: ArrayLike<number>, options: CamOverlayOptions = {}): RawImage {
  const alpha = options.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new ConfigError(`camOverlay: expected alpha in [0, 1], but got ${alpha}`);
  const pixels = image.width * image.height;
  if (cam.length !== pixels)
    throw new ShapeError(
      `camOverlay: expected a map of ${image.height}x${image.width} = ${pixels} values (the image's size), but got ${cam.length}`,
    );
  const data = Buffer.allocUnsafe(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const heat = turbo(cam[p]);
    for (let c = 0; c < 3; c++) {
      const under = image.data[p * image.channels + (image.channels === 3 ? c : 0)];
      data[p * 3 + c] = Math.round((1 - alpha) * under + alpha * heat[c]);
    }
  }
  return { data, width: image.width, height: image.height, channels: 3 };
}

/**
 * Writes `camOverlay(image, cam)` to `file` as PNG, creating its folder.
 *
 * @example
 * await writeCamOverlay('outputs/cam/cat.png', image, cam);
 */
export async function writeCamOverlay(
  file: string,
  image: RawImage,
  cam: ArrayLike<number>,
  options: CamOverlayOptions = {},
): Promise<void> {
  const overlay = camOverlay(image, cam, options);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await sharp(overlay.data, { raw: { width: overlay.width, height: overlay.height, channels: 3 } })
      .png()
      .toFile(file);
  } catch (error) {
    throw new SerializationError(`camOverlay: expected to write ${file}, but got ${fsReason(error)}`, { cause: error });
  }
}
