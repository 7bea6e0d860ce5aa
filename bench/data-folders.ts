/**
 * The JPEG folders `npm run bench:data` reads, built once under .bench/
 * (a `.complete` marker says a folder is whole):
 *
 * - `fmnist`: Fashion-MNIST training images upscaled to 256x256 RGB
 *   (lanczos3), quality 90 — or flat generated colours when Debian's
 *   dataset-fashion-mnist is missing;
 * - `photos`: photo-like images at camera/web sizes, cycling through
 *   500x375, 640x480, 800x600, 1024x768 and 375x500 (portrait), about 390k
 *   pixels on average (ImageNet's mean is ~400x350 = 140k). Each is a smooth
 *   gradient (a 4x3 grid of colours upscaled with a cubic kernel) under a few
 *   soft-edged shapes, with mid-scale texture and fine sensor-like noise laid
 *   over it: content that compresses like a photo, not like flat colour.
 *   Baseline JPEG, quality 90, 4:2:0 chroma; 10 classes, each with its own
 *   palette. Deterministic: the same index always gives the same file.
 *
 * @example
 * const info = await buildBenchFolder({ dataset: 'photos', count: 2000 });
 * info.root; // .../.bench/photos-jpeg-2000
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { mapLimit } from '../src/data/async-limiter.js';
import { FASHION_MNIST_DIR, IdxDataset } from '../src/data/datasets/idx-dataset.js';

/** The benchmark's data sets. */
export type BenchDataset = 'fmnist' | 'photos';
export const BENCH_DATASETS: readonly BenchDataset[] = ['fmnist', 'photos'];

/** Photo sizes, cycled by image index. */
export const PHOTO_SIZES: readonly { width: number; height: number }[] = [
  { width: 500, height: 375 },
  { width: 640, height: 480 },
  { width: 800, height: 600 },
  { width: 1024, height: 768 },
  { width: 375, height: 500 },
];

/** A built folder: where, how many files, and their mean size. */
export interface BenchFolder {
  root: string;
  images: number;
  meanBytes: number;
  meanPixels: number;
  description: string;
}

/** Mulberry32: a small seeded generator, so generated files do not change between runs. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grey-centred noise (128 = no change under 'overlay'), `sigma` levels, at width × height. */
function noiseLayer(width: number, height: number, sigma: number, random: () => number): Buffer {
  const out = Buffer.allocUnsafe(width * height * 3);
  // The sum of three uniforms is close enough to a gaussian for texture; scale gives the sigma.
  const scale = sigma * 2;
  for (let i = 0; i < out.length; i++)
    out[i] = Math.max(0, Math.min(255, Math.round(128 + (random() + random() + random() - 1.5) * scale)));
  return out;
}

/** Fine noise for the largest size plus slack, made once: each image takes a window at its own offset (drawing per pixel costs more than the encode). */
const fineNoise = ((): Buffer => {
  const largest = Math.max(...PHOTO_SIZES.map((s) => s.width * s.height * 3));
  return noiseLayer(largest / 3 + 65536, 1, 12, seeded(1));
})();

/** An SVG of 3-7 soft shapes in the class palette. */
function shapesSvg(width: number, height: number, hue: number, random: () => number): Buffer {
  const shapes: string[] = [];
  const count = 3 + Math.floor(random() * 5);
  for (let s = 0; s < count; s++) {
    const colour = `hsl(${(hue + random() * 60 - 30 + 360) % 360}, ${30 + random() * 50}%, ${20 + random() * 60}%)`;
    const x = random() * width;
    const y = random() * height;
    const r = (0.05 + random() * 0.25) * Math.min(width, height);
    const blur = random() < 0.5 ? ' filter="url(#soft)"' : '';
    shapes.push(
      random() < 0.5
        ? `<ellipse cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" rx="${r.toFixed(1)}" ry="${(r * (0.5 + random())).toFixed(1)}" fill="${colour}" opacity="${(0.6 + random() * 0.4).toFixed(2)}"${blur}/>`
        : `<rect x="${(x - r).toFixed(1)}" y="${(y - r / 2).toFixed(1)}" width="${(2 * r).toFixed(1)}" height="${r.toFixed(1)}" fill="${colour}" transform="rotate(${(random() * 90 - 45).toFixed(1)} ${x.toFixed(1)} ${y.toFixed(1)})"${blur}/>`,
    );
  }
  const defs = `<defs><filter id="soft"><feGaussianBlur stdDeviation="${(Math.min(width, height) / 100).toFixed(1)}"/></filter></defs>`;
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${defs}${shapes.join('')}</svg>`);
}

/** One photo-like JPEG of class `label`. */
async function photoJpeg(index: number, label: number): Promise<Buffer> {
  const { width, height } = PHOTO_SIZES[(index + Math.floor(index / 10)) % PHOTO_SIZES.length]; // sizes vary within each class
  const random = seeded(index * 7919 + 17);
  const hue = label * 36;
  const grid = Buffer.alloc(4 * 3 * 3);
  for (let p = 0; p < 12; p++) {
    // Class hue, varied per cell: an HSV-ish colour written as RGB.
    const h = ((hue + random() * 80 - 40 + 360) % 360) / 60;
    const v = 60 + random() * 180;
    const s = 0.2 + random() * 0.6;
    const f = h - Math.floor(h);
    const [a, b, c] = [v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))];
    const rgb = [
      [v, c, a],
      [b, v, a],
      [a, v, c],
      [a, b, v],
      [c, a, v],
      [v, a, b],
    ][Math.floor(h) % 6];
    for (let k = 0; k < 3; k++) grid[p * 3 + k] = Math.round(rgb[k]);
  }
  const offset = 3 * Math.floor(random() * 65536);
  const tw = Math.ceil(width / 8);
  const th = Math.ceil(height / 8);
  const texture = await sharp(noiseLayer(tw, th, 24, random), { raw: { width: tw, height: th, channels: 3 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer();
  return sharp(grid, { raw: { width: 4, height: 3, channels: 3 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .composite([
      { input: shapesSvg(width, height, hue, random) },
      { input: texture, raw: { width, height, channels: 3 }, blend: 'overlay' },
      { input: fineNoise.subarray(offset, offset + width * height * 3), raw: { width, height, channels: 3 }, blend: 'overlay' },
    ])
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

/** One 256x256 JPEG from Fashion-MNIST image `index`, or a generated one without the data set. */
function fmnistJpeg(source: IdxDataset | null, index: number): Promise<Buffer> {
  const pipeline = source
    ? sharp(source.source(index).data, { raw: { width: 28, height: 28, channels: 1 } })
        .resize(256, 256, { kernel: 'lanczos3' })
        .toColourspace('srgb')
    : sharp({
        create: {
          width: 256,
          height: 256,
          channels: 3,
          background: { r: (index * 37) % 256, g: (index * 91) % 256, b: (index * 53) % 256 },
        },
      }).blur(1 + (index % 5));
  return pipeline.jpeg({ quality: 90 }).toBuffer();
}

/** File count, mean bytes and mean pixels of a built folder (read back, so a reused folder reports itself). */
async function summarize(root: string): Promise<{ images: number; meanBytes: number; meanPixels: number }> {
  const train = path.join(root, 'train');
  const files = (
    await Promise.all((await readdir(train)).map(async (c) => (await readdir(path.join(train, c))).map((f) => path.join(train, c, f))))
  ).flat();
  const sizes = await mapLimit(files, 16, async (f) => {
    const [info, meta] = await Promise.all([stat(f), sharp(f).metadata()]);
    return { bytes: info.size, pixels: meta.width * meta.height };
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return { images: files.length, meanBytes: mean(sizes.map((s) => s.bytes)), meanPixels: mean(sizes.map((s) => s.pixels)) };
}

/**
 * Builds (once) and describes the folder of `count` JPEGs for `dataset`.
 *
 * @example
 * const { root, description } = await buildBenchFolder({ dataset: 'fmnist', count: 2000 });
 */
export async function buildBenchFolder(options: {
  dataset: BenchDataset;
  count: number;
  log?: (line: string) => void;
}): Promise<BenchFolder> {
  const { dataset, count } = options;
  const root = path.resolve('.bench', `${dataset}-jpeg-${count}`);
  const marker = path.join(root, '.complete');
  const origin =
    dataset === 'photos'
      ? 'generated photo-like'
      : existsSync(FASHION_MNIST_DIR)
        ? 'Fashion-MNIST'
        : 'generated flat-colour (Fashion-MNIST missing)';
  if (!existsSync(marker)) {
    const source =
      dataset === 'fmnist' && existsSync(FASHION_MNIST_DIR) ? await IdxDataset.load({ dir: FASHION_MNIST_DIR, split: 'train' }) : null;
    (options.log ?? console.log)(`building ${count} ${origin} JPEGs in ${root} ...`);
    const started = performance.now();
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const label = source ? source.targets[i] : i % 10;
        const dir = path.join(root, 'train', `class-${label}`);
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, `${i}.jpg`), dataset === 'photos' ? await photoJpeg(i, label) : await fmnistJpeg(source, i));
      },
    );
    await writeFile(marker, '');
    (options.log ?? console.log)(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const summary = await summarize(root);
  const sizes = dataset === 'photos' ? PHOTO_SIZES.map((s) => `${s.width}x${s.height}`).join(', ') : '256x256';
  const description = `${summary.images} ${origin} JPEGs (${sizes}; mean ${(summary.meanPixels / 1000).toFixed(0)}k pixels, ${(summary.meanBytes / 1024).toFixed(1)} KiB)`;
  return { root, ...summary, description };
}
