/**
 * Shared option schemas (zod) for the transforms and the one place that turns
 * a zod failure into a `ConfigError` listing every issue.
 *
 * @example
 * const opts = parseOptions('Resize', resizeSchema, { size: 256 });
 */
import { z } from 'zod';
import { configErrorFromZod } from '../../config-error-from-zod.js';

/** An edge length or an exact [height, width]. */
/** The largest side the resize and crop kernels take (libvips and the image addon stop at 65536). */
export const maxImageSide = 65536;
const side = z.number().int().positive().max(maxImageSide);
export const sizeSchema = z.union([side, z.tuple([side, side])]);
/** A closed range [low, high] with low ≤ high. */
export const rangeSchema = z.tuple([z.number(), z.number()]).refine(([a, b]) => a <= b, 'expected low <= high');
/** A fill colour: one value for every channel, or one per channel (0-255). */
export const fillSchema = z.union([z.number(), z.array(z.number()).min(1)]);
/** Interpolation for the geometric transforms. */
export const interpolationSchema = z.enum(['nearest', 'bilinear']);
/** `Resize` also takes PIL's bicubic (the eval transform of EfficientNet's and ViT's weights). */
export const resizeInterpolationSchema = z.enum(['nearest', 'bilinear', 'bicubic']);
/** A probability. */
export const probabilitySchema = z.number().min(0).max(1);

/** torchvision's `_setup_size`: an int means a square. Returns [height, width]. */
export function toHeightWidth(size: number | readonly [number, number]): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

/** Fill values expanded to `channels` entries. */
export function fillFor(fill: number | readonly number[], channels: number): number[] {
  const values = typeof fill === 'number' ? [fill] : fill;
  return Array.from({ length: channels }, (_, c) => values[values.length === 1 ? 0 : c]);
}

/**
 * Validates options with a schema, filling defaults; throws a ConfigError
 * whose issues carry dotted paths.
 *
 * @example
 * parseOptions('CenterCrop', z.object({ size: sizeSchema }), { size: 224 });
 */
export function parseOptions<S extends z.ZodType>(component: string, schema: S, options: unknown, pathPrefix = ''): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (result.success) return result.data;
  const prefix = pathPrefix === '' ? [] : [pathPrefix];
  throw configErrorFromZod(result.error, { component, prefix, unknownKeys: 'object' });
}
