/**
 * A grid of images with their labels: under each image, "true / pred (0.93)";
 * misclassified ones get a red frame and a red caption. The tiles are PNGs
 * from the pixels, composed by sharp, with one SVG overlay for the text.
 *
 * @example
 * const png = await renderSampleGrid([{ image, trueLabel: 'cat', predLabel: 'dog', confidence: 0.93 }]);
 */
import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';
import type { RawImage } from '../../data/image.js';
import { toSharp } from '../../data/image.js';
import { ShapeError } from '../../errors.js';

/** Float pixels, channels first, in [0, 1] (an un-normalized image tensor's values). */
export interface FloatImage {
  chw: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** One image of the grid. */
export interface GridSample {
  image: RawImage | FloatImage;
  trueLabel: string;
  predLabel: string;
  /** The probability of the predicted class. */
  confidence: number;
}

/** Options for `renderSampleGrid`. */
export interface SampleGridOptions {
  /** Columns; default ⌈√n⌉. */
  columns?: number;
  /** Side of each image's square in pixels (images keep their aspect ratio). Default 128. */
  tileSize?: number;
}

const PAD = 8;
const FONT_SIZE = 11;
const LINE = 14;
const CAPTION = 2 * LINE + 4;
/** DejaVu Sans averages about 0.6 em per character. */
const CHAR_WIDTH = 0.6 * FONT_SIZE;

/**
 * Uint8 HWC pixels of a [0, 1] CHW float image (values outside are clamped).
 *
 * @example
 * const raw = floatToRawImage({ chw: new Float32Array(3 * 4 * 4).fill(0.5), width: 4, height: 4, channels: 3 });
 */
export function floatToRawImage(image: FloatImage): RawImage {
  const { chw, width, height, channels } = image;
  const plane = width * height;
  if (chw.length !== plane * channels) {
    throw new ShapeError(`floatToRawImage: expected ${channels}×${height}×${width} = ${plane * channels} values, but got ${chw.length}`);
  }
  const data = Buffer.allocUnsafe(plane * channels);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) data[p * channels + c] = Math.round(Math.min(1, Math.max(0, chw[c * plane + p])) * 255);
  }
  return { data, width, height, channels };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fit(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/** The caption's lines: one if it fits, else "true /" and "pred (0.93)". */
function captionLines(sample: GridSample, maxChars: number): string[] {
  const score = `(${sample.confidence.toFixed(2)})`;
  const one = `${sample.trueLabel} / ${sample.predLabel} ${score}`;
  if (one.length <= maxChars) return [one];
  return [`${fit(sample.trueLabel, maxChars - 2)} /`, `${fit(sample.predLabel, maxChars - score.length - 1)} ${score}`];
}

async function tilePng(image: RawImage | FloatImage, size: number): Promise<Buffer> {
  const raw = 'chw' in image ? floatToRawImage(image) : image;
  // Upscaled small images (28×28) stay crisp with nearest-neighbour pixels.
  const kernel = Math.max(raw.width, raw.height) < size ? 'nearest' : 'lanczos3';
  return toSharp(raw).resize(size, size, { fit: 'contain', kernel, background: '#ffffff' }).png().toBuffer();
}

/**
 * A PNG grid of the samples (at least one).
 *
 * @example
 * await writeFile('samples.png', await renderSampleGrid(samples, { columns: 4 }));
 */
export async function renderSampleGrid(samples: readonly GridSample[], options: SampleGridOptions = {}): Promise<Buffer> {
  if (samples.length === 0) throw new ShapeError('renderSampleGrid: expected at least one sample, but got none');
  const tile = options.tileSize ?? 128;
  const columns = Math.min(samples.length, options.columns ?? Math.ceil(Math.sqrt(samples.length)));
  const rows = Math.ceil(samples.length / columns);
  const cellW = tile + PAD;
  const cellH = tile + CAPTION + PAD;
  const width = columns * cellW + PAD;
  const height = rows * cellH + PAD;
  const maxChars = Math.floor(tile / CHAR_WIDTH);
  const overlay: string[] = [];
  const tiles: OverlayOptions[] = [];
  for (const [k, sample] of samples.entries()) {
    const left = PAD + (k % columns) * cellW;
    const top = PAD + Math.floor(k / columns) * cellH;
    tiles.push({ input: await tilePng(sample.image, tile), left, top });
    const wrong = sample.trueLabel !== sample.predLabel;
    const colour = wrong ? '#d62728' : '#222222';
    // A 4-pixel frame whose inner edge is the image's edge: whole pixels, nothing over the image.
    if (wrong)
      overlay.push(
        `<rect x="${left - 2}" y="${top - 2}" width="${tile + 4}" height="${tile + 4}" fill="none" stroke="${colour}" stroke-width="4"/>`,
      );
    captionLines(sample, maxChars).forEach((line, i) => {
      overlay.push(
        `<text x="${left + tile / 2}" y="${top + tile + LINE * (i + 1)}" fill="${colour}" text-anchor="middle">${escapeXml(line)}</text>`,
      );
    });
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="${FONT_SIZE}">` +
    `${overlay.join('')}</svg>`;
  const text = await sharp(Buffer.from(svg)).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...tiles, { input: text, left: 0, top: 0 }])
    .png()
    .toBuffer();
}
