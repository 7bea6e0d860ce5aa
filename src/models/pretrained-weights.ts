/**
 * torchvision's published ImageNet weights, by id (each model family
 * registers its own; the ResNets' are here), found in the local folders of
 * weights/weights-lookup.ts and verified before use (`fetchPretrained`
 * downloads what is missing). torchvision
 * names each file `<arch>-<first 8 hex digits of its sha256>.pth` and checks
 * that prefix (`check_hash=True`); we check it the same way, and the full
 * sha256 too where one is recorded here.
 *
 * @example
 * const path = resolvePretrained('resnet18.imagenet1k_v1'); // ~/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth
 * loadPretrained(model, path);
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, SerializationError } from '../errors.js';
import { defaultWeightsUrl, projectWeightsDir, torchHubCheckpoints, weightsSearchDirs, weightsUrl } from './weights/weights-lookup.js';
import type { WeightsLookupOptions } from './weights/weights-lookup.js';

/** One published weights file. */
export interface PretrainedWeights {
  /** torchvision's file name. */
  file: string;
  /** torchvision's URL (`CLASSIFIER_TRAINING_WEIGHTS_URL` points downloads at a mirror instead: see `weightsUrl`). */
  url: string;
  /** The hex prefix of the file's sha256 that torchvision puts in its name. */
  sha256Prefix: string;
  /** The full sha256, where confirmed. */
  sha256?: string;
  /** The model the weights fit, by registry name. */
  model: string;
  /** The evaluation transforms the weights were measured with (torchvision's `ImageClassification` preset). */
  transforms: EvalTransforms;
}

/** torchvision's `ImageClassification(crop_size, resize_size, interpolation, mean, std)` preset. */
export interface EvalTransforms {
  /** The shorter side is resized to this first. */
  resizeSize: number;
  /** Then a centre crop of this size. */
  cropSize: number;
  interpolation: 'bilinear' | 'bicubic';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** ImageNet's mean and std, which every torchvision classification preset uses. */
export const imagenetStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/**
 * One torchvision weights file: its name `<arch>-<hash prefix>.pth` under
 * download.pytorch.org/models/, and its eval transforms (torchvision's
 * default: resize 256, crop 224, bilinear).
 *
 * @example
 * weightsEntry('convnext_tiny', 'convnext_tiny-983f1562.pth', { resizeSize: 236 });
 */
export function weightsEntry(
  model: string,
  file: string,
  transforms: Partial<Pick<EvalTransforms, 'resizeSize' | 'cropSize' | 'interpolation'>> = {},
): PretrainedWeights {
  const prefix = /-([0-9a-f]{8,})\.pth$/.exec(file);
  if (prefix === null) throw new ConfigError(`weightsEntry: expected a file named <arch>-<sha256 prefix>.pth, but got '${file}'`);
  return {
    file,
    url: defaultWeightsUrl + file,
    model,
    sha256Prefix: prefix[1],
    transforms: { resizeSize: 256, cropSize: 224, interpolation: 'bilinear', ...imagenetStats, ...transforms },
  };
}
const entry = weightsEntry;

const known: Record<string, PretrainedWeights> = {};

/** Known files, by `<model>.<weights>` (torchvision's enum names in lower case), as each family registers them. */
export const pretrainedWeights: Readonly<Record<string, PretrainedWeights>> = known;

/**
 * Adds known weights ids (each model family registers its own, next to its definition).
 *
 * @example
 * registerPretrainedWeights({ 'convnext_tiny.imagenet1k_v1': weightsEntry('convnext_tiny', 'convnext_tiny-983f1562.pth', { resizeSize: 236 }) });
 */
export function registerPretrainedWeights(entries: Readonly<Record<string, PretrainedWeights>>): void {
  Object.assign(known, entries);
}

registerPretrainedWeights({
  'resnet18.imagenet1k_v1': entry('resnet18', 'resnet18-f37072fd.pth'),
  'resnet34.imagenet1k_v1': entry('resnet34', 'resnet34-b627a593.pth'),
  'resnet50.imagenet1k_v1': entry('resnet50', 'resnet50-0676ba61.pth'),
  'resnet50.imagenet1k_v2': entry('resnet50', 'resnet50-11ad3fa6.pth', { resizeSize: 232 }),
  'resnet101.imagenet1k_v1': entry('resnet101', 'resnet101-63fe2227.pth'),
  'resnet101.imagenet1k_v2': entry('resnet101', 'resnet101-cd907fc2.pth', { resizeSize: 232 }),
  'resnet152.imagenet1k_v1': entry('resnet152', 'resnet152-394f9c45.pth'),
  'resnet152.imagenet1k_v2': entry('resnet152', 'resnet152-f82ba261.pth', { resizeSize: 232 }),
  'wide_resnet50_2.imagenet1k_v1': entry('wide_resnet50_2', 'wide_resnet50_2-95faca4d.pth'),
  'wide_resnet50_2.imagenet1k_v2': entry('wide_resnet50_2', 'wide_resnet50_2-9ba9bcbe.pth', { resizeSize: 232 }),
  'resnext50_32x4d.imagenet1k_v1': entry('resnext50_32x4d', 'resnext50_32x4d-7cdf4587.pth'),
  'resnext50_32x4d.imagenet1k_v2': entry('resnext50_32x4d', 'resnext50_32x4d-1a0047aa.pth', { resizeSize: 232 }),
  'resnext101_32x8d.imagenet1k_v1': entry('resnext101_32x8d', 'resnext101_32x8d-8ba56ff5.pth'),
  'resnext101_32x8d.imagenet1k_v2': entry('resnext101_32x8d', 'resnext101_32x8d-110c445d.pth', { resizeSize: 232 }),
  'resnext101_64x4d.imagenet1k_v1': entry('resnext101_64x4d', 'resnext101_64x4d-173b62eb.pth', { resizeSize: 232 }),
  'wide_resnet101_2.imagenet1k_v1': entry('wide_resnet101_2', 'wide_resnet101_2-32ee1156.pth'),
  'wide_resnet101_2.imagenet1k_v2': entry('wide_resnet101_2', 'wide_resnet101_2-d733dc28.pth', { resizeSize: 232 }),
});

/** The project's own weights folder (looked in after torch's hub cache; see weights/weights-lookup.ts). */
export const defaultWeightsDir = projectWeightsDir;

/**
 * The sha256 of a file, read in 4 MiB chunks.
 *
 * @example
 * sha256File('resnet18-f37072fd.pth').startsWith('f37072fd'); // true
 */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(4 << 20);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) hash.update(chunk.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * The entry of a known id; an unknown one is a ConfigError listing the known ids.
 *
 * @example
 * pretrainedEntry('resnet50.imagenet1k_v2').transforms.resizeSize; // 232
 */
export function pretrainedEntry(id: string, component = 'pretrained'): PretrainedWeights {
  const weights = Object.hasOwn(pretrainedWeights, id) ? pretrainedWeights[id] : undefined;
  if (weights === undefined) {
    throw new ConfigError(
      `${component}: expected one of ${Object.keys(pretrainedWeights).sort().join(', ')}, but got '${id}' (or pass a file path to loadPretrained)`,
    );
  }
  return weights;
}

/** Whether `digest` is the one `weights` records. */
export const matchesHash = (weights: Pick<PretrainedWeights, 'sha256Prefix' | 'sha256'>, digest: string): boolean =>
  digest.startsWith(weights.sha256Prefix) && (weights.sha256 === undefined || digest === weights.sha256);

/**
 * The first copy of a known id's file in the look-up order (weightsDir, torch's hub cache, the project's
 * folder), or null; nothing is verified or downloaded.
 *
 * @example
 * findPretrained('resnet18.imagenet1k_v1', { weightsDir: 'weights' }); // '/home/me/.cache/torch/hub/checkpoints/resnet18-f37072fd.pth'
 */
export function findPretrained(id: string, options: WeightsLookupOptions = {}): string | null {
  const weights = pretrainedEntry(id, 'findPretrained');
  return (
    weightsSearchDirs(options)
      .map((d) => join(d, weights.file))
      .find((p) => existsSync(p)) ?? null
  );
}

/**
 * The verified local path of known pretrained weights, looked for in
 * weightsDir, then torch's hub cache, then the project's folder (nothing is
 * downloaded here: `fetchPretrained`, `train` and `weights download` do). A
 * missing file is a SerializationError that says how to fetch it and where
 * to put it by hand; a file whose sha256 does not match is refused.
 *
 * @example
 * resolvePretrained('resnet50.imagenet1k_v2', { weightsDir: '/data/weights' });
 */
export function resolvePretrained(id: string, options: WeightsLookupOptions = {}): string {
  const weights = pretrainedEntry(id, 'resolvePretrained');
  const path = findPretrained(id, options);
  if (path === null) {
    const dirs = weightsSearchDirs(options);
    const cache = torchHubCheckpoints(options.env);
    const url = weightsUrl(weights.file, options.env);
    throw new SerializationError(
      `resolvePretrained: expected ${weights.file} in ${dirs.join(' or ')}, but it is missing; ` +
        `fetch it with \`classifier-training weights download ${id}\` (train does so itself), or by hand: ` +
        `mkdir -p ${cache} && curl -L -o ${join(cache, weights.file)} ${url}`,
    );
  }
  const digest = sha256File(path);
  if (!matchesHash(weights, digest)) {
    throw new SerializationError(
      `resolvePretrained: expected ${path} to have sha256 ${weights.sha256 ?? `${weights.sha256Prefix}...`}, but got ${digest}; ` +
        `the file is corrupt or not ${weights.file}: delete it and download it again from ${weightsUrl(weights.file, options.env)}`,
    );
  }
  return path;
}
