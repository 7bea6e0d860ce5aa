/**
 * `predict --cam <dir>`: one Grad-CAM overlay per image, from a checkpoint
 * (an ONNX model has no gradients). The module is rebuilt as `export` does
 * (EMA weights when the run kept them) and the images are preprocessed as
 * the exported model's metadata says (the same labels mapping), so each map
 * explains the prediction printed beside it. Each overlay is `<dir>/<file name>.png` (`-2`, `-3`...
 * when two inputs share a name); `<dir>/cams.jsonl` says which input each
 * came from and the class it explains. Unreadable images are left out here:
 * the predictions report them.
 *
 * @example
 * await predictCams('outputs/run/checkpoints/best.ckpt', ['cat.jpg'], { dir: 'cams', method: 'gradcam++' });
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Rng } from '../data/random.js';
import { SerializationError, fsReason } from '../errors.js';
import { disposeCheckpoint, resolveCheckpoint } from '../training/checkpoint/checkpoint-connector.js';
import { moduleFromCheckpoint } from '../training/export-checkpoint.js';
import { writeCamOverlay } from './cam-overlay.js';
import { camBatch, camPreprocessing } from './cam-preprocess.js';
import type { CamMethod } from './grad-cam.js';

/** Options of `predictCams`. */
export interface PredictCamsOptions {
  /** The folder the overlays go to (created). */
  dir: string;
  method?: CamMethod;
  /** A module path under the backbone (default: the family's `camLayer`). */
  layer?: string;
  /** Images per forward and backward (default 32). */
  batchSize?: number;
  warn?: (message: string) => void;
}

/** One overlay written. */
export interface CamFile {
  path: string;
  overlay: string;
  classIndex: number;
  className: string;
}

/** The module, its preprocessing and class names, from a checkpoint ('best', 'last' or a path). */
function fromCheckpoint(ckptPath: string, warn: (message: string) => void) {
  const dir = /^(best|last)$|^best:/.test(ckptPath) ? '.' : path.dirname(ckptPath);
  const { path: file, checkpoint } = resolveCheckpoint(ckptPath, dir, warn);
  try {
    const { pipeline, normalize } = camPreprocessing(checkpoint.labelsMapping, file);
    const mapping = checkpoint.labelsMapping as { classes?: string[] };
    const module = moduleFromCheckpoint(checkpoint, { file }).module;
    return { module, pipeline, normalize, classes: checkpoint.classes ?? mapping.classes ?? [] };
  } finally {
    disposeCheckpoint(checkpoint);
  }
}

/** A unique `<stem>.png` per input, in input order. */
function overlayNames(paths: readonly string[]): string[] {
  const taken = new Set<string>();
  return paths.map((p) => {
    const stem = path.basename(p, path.extname(p)) || 'image';
    let name = `${stem}.png`;
    for (let k = 2; taken.has(name); k++) name = `${stem}-${k}.png`;
    taken.add(name);
    return name;
  });
}

/**
 * Writes a Grad-CAM overlay for each readable image and `cams.jsonl`; returns what it wrote.
 *
 * @example
 * const files = await predictCams('best', paths, { dir: 'outputs/cams' });
 */
export async function predictCams(ckptPath: string, paths: readonly string[], options: PredictCamsOptions): Promise<CamFile[]> {
  const { module, pipeline, normalize, classes } = fromCheckpoint(ckptPath, options.warn ?? ((m) => console.warn(m)));
  const names = overlayNames(paths);
  const batchSize = options.batchSize ?? 32;
  const written: CamFile[] = [];
  try {
    for (let start = 0; start < paths.length; start += batchSize) {
      const settled = await Promise.allSettled(paths.slice(start, start + batchSize).map((p) => pipeline.run(p, new Rng(0))));
      const ready = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ index: start + i, image: s.value }] : []));
      if (ready.length === 0) continue;
      const maps = camBatch(
        module,
        ready.map((r) => r.image),
        normalize,
        { method: options.method, layer: options.layer },
      );
      for (const [i, { index, image }] of ready.entries()) {
        const overlay = path.join(options.dir, names[index]);
        await writeCamOverlay(overlay, image, maps.cams[i]);
        const classIndex = maps.targets[i];
        written.push({ path: paths[index], overlay, classIndex, className: classes[classIndex] ?? String(classIndex) });
      }
    }
  } finally {
    module.dispose();
  }
  await writeIndex(options.dir, written);
  return written;
}

async function writeIndex(dir: string, files: CamFile[]): Promise<void> {
  const file = path.join(dir, 'cams.jsonl');
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, files.map((f) => JSON.stringify(f)).join('\n') + (files.length > 0 ? '\n' : ''));
  } catch (error) {
    throw new SerializationError(`predict --cam: expected to write ${file}, but got ${fsReason(error)}`, { cause: error });
  }
}
