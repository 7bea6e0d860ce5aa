/**
 * What Grad-CAM needs around `gradCam` when it starts from image files: the
 * evaluation preprocessing a checkpoint's labels mapping records (resize,
 * center crop, channels, mean / std: the exported model's own), and one
 * batch of preprocessed images turned into plain per-image maps. Shared by
 * `predict --cam` and the top-losses overlays of `analyze`, so both explain
 * the input the model saw.
 *
 * @example
 * const { pipeline, normalize } = camPreprocessing(checkpoint.labelsMapping, file);
 * const image = await pipeline.run('cat.jpg', new Rng(0));
 * const { targets, cams } = camBatch(module, [image], normalize);
 */
import { collate } from '../data/collate.js';
import type { RawImage } from '../data/image.js';
import { CenterCrop } from '../data/transforms/center-crop.js';
import { ImagePipeline } from '../data/transforms/pipeline.js';
import type { Transform } from '../data/transforms/pipeline.js';
import { Resize } from '../data/transforms/resize.js';
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { gradCam } from './grad-cam.js';
import type { GradCamOptions } from './grad-cam.js';

/** Mean and std per channel, or null when the model takes raw [0, 1] pixels. */
export type CamNormalize = { mean: number[]; std: number[] } | null;

interface Mapping {
  normalization?: CamNormalize;
  inputSize?: [number, number, number];
  resize?: number | [number, number] | null;
  crop?: number | [number, number] | null;
}

/**
 * The decode-and-resize pipeline and normalisation a checkpoint's labels
 * mapping records; `file` names the checkpoint in the error when it has none.
 *
 * @example
 * const { pipeline, normalize } = camPreprocessing(checkpoint.labelsMapping, 'best.ckpt');
 */
export function camPreprocessing(labelsMapping: unknown, file: string): { pipeline: ImagePipeline; normalize: CamNormalize } {
  const mapping = (labelsMapping ?? {}) as Mapping;
  if (mapping.inputSize === undefined)
    throw new ConfigError(`gradCam: expected ${file} to record the model's input size (labels mapping), but it does not`);
  const transforms: Transform[] = [];
  if (mapping.resize != null) transforms.push(new Resize({ size: mapping.resize }));
  if (mapping.crop != null) transforms.push(new CenterCrop({ size: mapping.crop }));
  const channels = mapping.inputSize[0] === 1 ? 1 : 3;
  return { pipeline: new ImagePipeline({ transforms, decode: { channels } }), normalize: mapping.normalization ?? null };
}

/**
 * The maps of one batch of preprocessed images, as one Float32Array per
 * image (height x width, row-major), and the class each explains; the
 * tensors are freed.
 *
 * @example
 * const { targets, cams } = camBatch(module, images, normalize, { method: 'gradcam++' });
 */
export function camBatch(
  module: Module,
  images: RawImage[],
  normalize: CamNormalize,
  options: Omit<GradCamOptions, 'targets'> = {},
): { targets: number[]; cams: Float32Array[] } {
  const batch = collate({ images, labels: new Array<number>(images.length).fill(-1), normalize });
  const device = module.parameters()[0]?.device ?? 'cpu';
  try {
    const images = device === 'cpu' ? batch.images : batch.images.to(device);
    const { cams, targets, logits } = gradCam(module, images, options);
    const [n, h, w] = cams.shape;
    const data = torch.tidy(() => cams.to('cpu').data() as Float32Array);
    torch.dispose([cams, logits, ...(images === batch.images ? [] : [images])]);
    return { targets, cams: Array.from({ length: n }, (_, i) => data.subarray(i * h * w, (i + 1) * h * w)) };
  } finally {
    torch.dispose(batch);
  }
}
