/**
 * Known pretrained weights bring their eval transforms: with
 * `model.pretrained` set to a known id, the eval list's Resize (size,
 * interpolation), CenterCrop (size) and Normalize (mean, std) take the
 * values the weights were measured with (`PretrainedWeights.transforms`,
 * torchvision's preset: resnet50.imagenet1k_v2 resizes to 232, EfficientNet
 * resizes bicubic), unless the user set them: only values that come from
 * the package's own `conf/` give way; an override, a user's config file or a
 * saved run's config (which holds the values chosen when it started) wins.
 *
 * @example
 * const { config, note } = pretrainedEvalTransforms(run.config, run.sources);
 * note; // 'eval transforms of resnet50.imagenet1k_v2: Resize 232 (bilinear), CenterCrop 224, Normalize ImageNet mean/std'
 */
import path from 'node:path';
import { findSource } from '../config/index.js';
import type { ConfigObject, SourceMap } from '../config/index.js';
import { pretrainedWeights } from '../models/index.js';
import type { EvalTransforms } from '../models/index.js';
import { packageConfigDir } from './compose-run-config.js';

type Entry = Record<string, unknown>;

/** The adopted config and a line for the run's log (null when nothing was adopted). */
export interface AdoptedTransforms {
  config: ConfigObject;
  note: string | null;
}

/** Whether `key`'s value comes from the package's own conf/ (not from the user). */
const fromPackage = (sources: SourceMap, key: string): boolean => {
  const source = findSource(sources, key);
  return source !== undefined && path.resolve(source.file).startsWith(packageConfigDir + path.sep);
};

/** Decides, per key of an eval transform, whether the user set it (`linked`: the data key a size is interpolated from). */
type IsMine = (key: string, value: unknown, linked?: string) => boolean;

/** The eval list with the weights' values where the package's defaults stood; `kept` collects the user's. */
function adoptList(list: readonly unknown[], w: EvalTransforms, mine: IsMine, kept: string[]): unknown[] {
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null) return item;
    const t = { ...(item as Entry) };
    const take = (key: string, value: unknown, linked?: string): void => {
      if (!mine(`transforms.eval[${i}].${key}`, t[key], linked)) t[key] = value;
      else if (JSON.stringify(t[key]) !== JSON.stringify(value)) kept.push(`${t.name as string}.${key}=${JSON.stringify(t[key])}`);
    };
    if (t.name === 'Resize' && typeof t.size === 'number') {
      take('size', w.resizeSize, 'data.resizeSize');
      take('interpolation', w.interpolation);
    } else if (t.name === 'CenterCrop' && typeof t.size === 'number') {
      take('size', w.cropSize, 'data.imageSize');
    } else if (t.name === 'Normalize') {
      take('mean', [...w.mean]);
      take('std', [...w.std]);
    }
    return t;
  });
}

/**
 * `config` with the eval transforms of its known pretrained weights, where the user did not set them.
 *
 * @example
 * pretrainedEvalTransforms(config, sources).config.transforms.eval[0]; // { name: 'Resize', size: 232, interpolation: 'bilinear' }
 */
export function pretrainedEvalTransforms(config: ConfigObject, sources: SourceMap): AdoptedTransforms {
  const id = (config.model as Entry | undefined)?.pretrained;
  const transforms = config.transforms as Entry | undefined;
  if (typeof id !== 'string' || !Object.hasOwn(pretrainedWeights, id) || !Array.isArray(transforms?.eval)) return { config, note: null };
  const data = (config.data ?? {}) as Entry;
  const mine: IsMine = (key, value, linked) => {
    // No source at all: a saved run's config, which holds the values its run started with.
    if (findSource(sources, key) === undefined || !fromPackage(sources, key)) return true;
    // A size written `${data.resizeSize}` in conf/ is the user's when data.resizeSize is.
    if (linked === undefined || data[linked.slice('data.'.length)] !== value) return false;
    return sources.has(linked) && !fromPackage(sources, linked);
  };
  const kept: string[] = [];
  const w = pretrainedWeights[id].transforms;
  const list = adoptList(transforms.eval as unknown[], w, mine, kept);
  const note =
    `eval transforms of ${id}: Resize ${w.resizeSize} (${w.interpolation}), CenterCrop ${w.cropSize}, ` +
    `Normalize mean ${w.mean.join(',')} std ${w.std.join(',')}` +
    (kept.length === 0 ? '' : `; kept from the config: ${kept.join(', ')}`);
  return { config: { ...config, transforms: { ...transforms, eval: list } }, note };
}
