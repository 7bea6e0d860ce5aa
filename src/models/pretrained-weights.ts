/**
 * torchvision's published ImageNet weights for the ResNet family, found in a
 * local folder (nothing is downloaded) and verified before use. torchvision
 * names each file `<arch>-<first 8 hex digits of its sha256>.pth` and checks
 * that prefix (`check_hash=True`); we check it the same way, and the full
 * sha256 too where one is recorded here.
 *
 * @example
 * const path = resolvePretrained('resnet18.imagenet1k_v1'); // ~/.cache/classifier-training/weights/resnet18-f37072fd.pth
 * loadPretrained(model, path);
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SerializationError } from '../errors.js';

/** One published weights file. */
export interface PretrainedWeights {
  /** torchvision's file name. */
  file: string;
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

const base = 'https://download.pytorch.org/models/';
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
    url: base + file,
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

/** Where weights are looked for by default. */
export const defaultWeightsDir = (): string => join(homedir(), '.cache', 'classifier-training', 'weights');

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
 * The verified local path of known pretrained weights. A missing file is a
 * SerializationError that says where to put it and where to get it; a
 * file whose sha256 does not match is refused.
 *
 * @example
 * resolvePretrained('resnet50.imagenet1k_v2', { weightsDir: '/data/weights' });
 */
export function resolvePretrained(id: string, options: { weightsDir?: string } = {}): string {
  const weights = pretrainedWeights[id];
  if (weights === undefined) {
    throw new ConfigError(
      `resolvePretrained: expected one of ${Object.keys(pretrainedWeights).join(', ')}, but got '${id}' (or pass a file path to loadPretrained)`,
    );
  }
  const dirs =
    options.weightsDir !== undefined
      ? [options.weightsDir]
      : [defaultWeightsDir(), join(homedir(), '.cache', 'torch', 'hub', 'checkpoints')];
  const path = dirs.map((d) => join(d, weights.file)).find((p) => existsSync(p));
  if (path === undefined) {
    throw new SerializationError(
      `resolvePretrained: expected ${weights.file} in ${dirs.join(' or ')}, but it is missing; download ${weights.url} into ${dirs[0]} ` +
        `(for example: mkdir -p ${dirs[0]} && curl -L -o ${join(dirs[0], weights.file)} ${weights.url}) or copy it from a machine with a torchvision cache`,
    );
  }
  const digest = sha256File(path);
  if (!digest.startsWith(weights.sha256Prefix) || (weights.sha256 !== undefined && digest !== weights.sha256)) {
    throw new SerializationError(
      `resolvePretrained: expected ${path} to have sha256 ${weights.sha256 ?? `${weights.sha256Prefix}...`}, but got ${digest}; the file is corrupt or not ${weights.file}, download it again from ${weights.url}`,
    );
  }
  return path;
}
