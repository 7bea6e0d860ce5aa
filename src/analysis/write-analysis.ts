/**
 * Writes an `Analysis` into `<run>/analysis/`: the per-class table (CSV and
 * JSON), the most-confused pairs, the confusion matrices, the top losses
 * with a thumbnail of each image (read again from its source: the original
 * file, or the decoded pixels of in-memory data) and `analysis.json`, the
 * summary. Every file is replaced atomically; the thumbnails and Grad-CAM
 * overlays of an earlier analysis are removed first, since their ranks
 * belong to the old top losses.
 *
 * @example
 * await writeAnalysis(runDir, analysis, { sourceOf: (sample) => dataset.source(predictions.indices[sample]) });
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageSource } from '../data/dataset.js';
import { SerializationError, fsReason } from '../errors.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { analysisFiles, galleryFile } from './analysis-files.js';
import type { AnalysisResult } from './analyze-predictions.js';
import { toCsv } from './csv.js';

/** Longest side of a thumbnail, in pixels. */
const THUMBNAIL_PX = 128;

/** Options of `writeAnalysis`. */
export interface WriteAnalysisOptions {
  /** The pixels of sample `sample` of the predictions (null or absent: no thumbnails). */
  sourceOf?: (sample: number) => ImageSource | null;
  /** What else goes into analysis.json (the checkpoint, the command). */
  extra?: Record<string, unknown>;
}

/**
 * A PNG thumbnail of an image source, at most 128 px a side; small images are
 * enlarged with nearest-neighbour so their pixels stay visible.
 *
 * @example
 * await thumbnail('/data/val/cat/1.jpg');
 */
export async function thumbnail(source: ImageSource): Promise<Buffer> {
  const image =
    typeof source === 'string' || Buffer.isBuffer(source)
      ? sharp(source)
      : sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } });
  const { width = THUMBNAIL_PX, height = THUMBNAIL_PX } = await image.metadata();
  const kernel = Math.max(width, height) < THUMBNAIL_PX ? 'nearest' : 'lanczos3';
  return image.resize({ width: THUMBNAIL_PX, height: THUMBNAIL_PX, fit: 'inside', kernel }).png().toBuffer();
}

/** The analysis.json summary: the figures a reader wants first. */
function summaryOf(analysis: AnalysisResult, images: (string | null)[], extra: Record<string, unknown>): object {
  const worst = [...analysis.perClass].sort((a, b) => a.f1 - b.f1 || a.index - b.index).slice(0, 5);
  return {
    ...extra,
    split: analysis.split,
    samples: analysis.samples,
    classes: analysis.classNames.length,
    accuracy: analysis.accuracy,
    meanLoss: Number.isNaN(analysis.meanLoss) ? null : analysis.meanLoss,
    worstClasses: worst.map(({ name, f1, precision, recall, support }) => ({ name, f1, precision, recall, support })),
    confusedPairs: analysis.confusedPairs.slice(0, 10),
    topLosses: analysis.topLosses.map((t, i) => ({ ...t, image: images[i] })),
    writtenAt: new Date().toISOString(),
  };
}

/**
 * Writes the files; returns the analysis folder.
 *
 * @example
 * const dir = await writeAnalysis('outputs/r1', analysis);
 */
export async function writeAnalysis(runDir: string, analysis: AnalysisResult, options: WriteAnalysisOptions = {}): Promise<string> {
  const dir = path.join(runDir, analysisFiles.dir);
  const write = (name: string, data: string | Buffer) => writeFileReplacing(path.join(dir, name), data);
  await removeStaleGalleries(dir);
  const rows = analysis.perClass;
  await write(
    analysisFiles.perClassCsv,
    toCsv(
      ['class', 'precision', 'recall', 'f1', 'support', 'confused_with_1', 'confused_with_2', 'confused_with_3'],
      rows.map((r) => [r.name, r.precision, r.recall, r.f1, r.support, ...[0, 1, 2].map((i) => confusedCell(r.confusedWith[i]))]),
    ),
  );
  await write(analysisFiles.perClassJson, `${JSON.stringify(rows, null, 2)}\n`);
  await write(
    analysisFiles.confusedPairsCsv,
    toCsv(
      ['true', 'predicted', 'count', 'share'],
      analysis.confusedPairs.map((p) => [p.trueClass, p.predicted, p.count, p.share]),
    ),
  );
  await write(analysisFiles.confusionJson, `${JSON.stringify({ classes: analysis.classNames, ...analysis.confusion })}\n`);
  await write(
    analysisFiles.topLossesCsv,
    toCsv(
      ['rank', 'path', 'true', 'predicted', 'confidence', 'loss'],
      analysis.topLosses.map((t) => [t.rank, t.path, t.trueClass, t.predicted, t.confidence, t.loss]),
    ),
  );
  const images = await writeThumbnails(dir, analysis.topLosses, options.sourceOf);
  await write(analysisFiles.summary, `${JSON.stringify(summaryOf(analysis, images, options.extra ?? {}), null, 2)}\n`);
  return dir;
}

function confusedCell(c: { name: string; count: number } | undefined): string {
  return c === undefined ? '' : `${c.name} (${c.count})`;
}

/**
 * Removes the thumbnails and Grad-CAM overlays of an earlier analysis (their ranks belong to its top losses).
 *
 * @example
 * await removeStaleGalleries('outputs/r1/analysis');
 */
export async function removeStaleGalleries(dir: string): Promise<void> {
  for (const stale of [analysisFiles.topLossesDir, analysisFiles.camDir]) {
    try {
      await rm(path.join(dir, stale), { recursive: true, force: true });
    } catch (error) {
      throw new SerializationError(`analysis: expected to remove the old ${path.join(dir, stale)}, but got ${fsReason(error)}`, {
        cause: error,
      });
    }
  }
}

/**
 * The thumbnail of every top loss, as `top_losses/<rank>.png`; null for a sample whose image cannot be read.
 *
 * @example
 * const images = await writeThumbnails(dir, analysis.topLosses, (sample) => dataset.source(indices[sample]));
 */
export async function writeThumbnails(
  dir: string,
  topLosses: readonly { rank: number; sample: number }[],
  sourceOf: WriteAnalysisOptions['sourceOf'],
): Promise<(string | null)[]> {
  const names: (string | null)[] = [];
  for (const t of topLosses) {
    const source = sourceOf?.(t.sample) ?? null;
    let png: Buffer | null = null;
    if (source !== null) png = await thumbnail(source).catch(() => null); // an unreadable file loses its thumbnail, not the analysis
    const name = galleryFile(analysisFiles.topLossesDir, t.rank);
    if (png !== null) await writeFileReplacing(path.join(dir, name), png);
    names.push(png === null ? null : name);
  }
  return names;
}
