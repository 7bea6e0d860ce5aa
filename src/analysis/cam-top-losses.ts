/**
 * Grad-CAM overlays of the top losses, `<run>/analysis/cam/<rank>.png`, which
 * the report's top-losses gallery shows beside each image: the map of the
 * class the model predicted (what misled it), drawn over the image as the
 * model saw it (the checkpoint's evaluation preprocessing) and sized like
 * the thumbnails beside it. An image that cannot be read again loses its
 * overlay, not the analysis.
 *
 * @example
 * await writeTopLossCams(runDir, module, analysis.topLosses, { sourceOf, labelsMapping: checkpoint.labelsMapping, file });
 */
import path from 'node:path';
import type { ImageSource } from '../data/dataset.js';
import { DataError } from '../errors.js';
import { Rng } from '../data/random.js';
import type { Module } from '../torch/nn/index.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { analysisFiles, galleryFile } from './analysis-files.js';
import { declaresCamLayer } from './cam-layer.js';
import { camOverlay } from './cam-overlay.js';
import { camBatch, camPreprocessing } from './cam-preprocess.js';
import type { CamMethod } from './grad-cam.js';
import type { TopLoss } from './top-losses.js';
import { thumbnail } from './write-analysis.js';

/** Options of `writeTopLossCams`. */
export interface TopLossCamsOptions {
  /** The pixels of sample `sample` of the predictions, as the analysis reads its thumbnails. */
  sourceOf: (sample: number) => ImageSource | null;
  /** The checkpoint's labels mapping: the preprocessing the maps are computed on. */
  labelsMapping: unknown;
  /** The checkpoint, named in errors. */
  file: string;
  method?: CamMethod;
  /** A module path under the backbone (default: the family's `camLayer`). */
  layer?: string;
  /** Images per forward and backward (default 16). */
  batchSize?: number;
}

/**
 * Writes an overlay per top loss whose image can be read; returns how many.
 *
 * @example
 * const written = await writeTopLossCams('outputs/r1', module, analysis.topLosses, options);
 */
export async function writeTopLossCams(
  runDir: string,
  module: Module,
  topLosses: readonly Pick<TopLoss, 'rank' | 'sample'>[],
  options: TopLossCamsOptions,
): Promise<number> {
  const { pipeline, normalize } = camPreprocessing(options.labelsMapping, options.file);
  const batchSize = options.batchSize ?? 16;
  let written = 0;
  for (let start = 0; start < topLosses.length; start += batchSize) {
    const chunk = topLosses.slice(start, start + batchSize);
    const read = await Promise.all(
      chunk.map(async (t) => {
        const source = options.sourceOf(t.sample);
        return source === null ? null : pipeline.run(source, new Rng(0)).catch(() => null);
      }),
    );
    const ready = chunk.flatMap((t, i) => (read[i] === null ? [] : [{ rank: t.rank, image: read[i] }]));
    if (ready.length === 0) continue;
    const { cams } = camBatch(
      module,
      ready.map((r) => r.image),
      normalize,
      { method: options.method, layer: options.layer },
    );
    for (const [i, { rank, image }] of ready.entries()) {
      const png = await thumbnail(camOverlay(image, cams[i]));
      await writeFileReplacing(path.join(runDir, analysisFiles.dir, galleryFile(analysisFiles.camDir, rank)), png);
      written++;
    }
  }
  return written;
}

/**
 * `writeTopLossCams` at the end of `fit` (the `Analysis` callback): the
 * preprocessing comes from the data module, as the checkpoint's labels
 * mapping does. A module that declares no Grad-CAM layer (a custom one) or
 * data without a known input size gets no overlays: the reason is returned
 * for the log instead of failing the end of the run.
 *
 * @example
 * const skipped = await fitEndTopLossCams(runDir, module, analysis.topLosses, { dataModule, sourceOf, method: 'gradcam' });
 */
export async function fitEndTopLossCams(
  runDir: string,
  module: Module,
  topLosses: readonly Pick<TopLoss, 'rank' | 'sample'>[],
  options: Pick<TopLossCamsOptions, 'sourceOf' | 'method'> & { dataModule: { labelsMappingOptions(): unknown } },
): Promise<string | null> {
  if (!declaresCamLayer(module)) return 'the model declares no Grad-CAM layer (camLayer)';
  let labelsMapping: unknown;
  try {
    labelsMapping = options.dataModule.labelsMappingOptions();
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return error.message;
  }
  await writeTopLossCams(runDir, module, topLosses, { ...options, labelsMapping, file: 'the run' });
  return null;
}
