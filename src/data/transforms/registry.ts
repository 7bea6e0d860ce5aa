/**
 * Registers every transform in the component registry (group 'transform')
 * under torchvision's class name, with the zod schema its constructor
 * validates with; `buildTransforms` and config validation read them from
 * there, so a user's own transform registered the same way is usable from
 * a config's transform list.
 *
 * @example
 * register({ group: 'transform', name: 'Invert', schema: z.strictObject({}), build: () => new Invert() });
 * buildTransforms([{ name: 'Invert' }]);
 */
import type { z } from 'zod';
import { register, registry } from '../../registry.js';
import type { Transform } from './transform.js';
import { AugMix, augMixSchema } from './aug-mix.js';
import { AutoAugment, autoAugmentSchema } from './auto-augment.js';
import { CenterCrop, centerCropSchema } from './center-crop.js';
import { ColorJitter, colorJitterSchema } from './color-jitter.js';
import { GaussianBlur, gaussianBlurSchema } from './gaussian-blur.js';
import { Normalize, normalizeSchema } from './normalize.js';
import { RandAugment, randAugmentSchema } from './rand-augment.js';
import { RandomAffine, randomAffineSchema } from './random-affine.js';
import { RandomCrop, randomCropSchema } from './random-crop.js';
import { RandomErasing, randomErasingSchema } from './random-erasing.js';
import { RandomGrayscale, randomGrayscaleSchema } from './random-grayscale.js';
import { RandomHorizontalFlip, randomHorizontalFlipSchema } from './random-horizontal-flip.js';
import { RandomResizedCrop, randomResizedCropSchema } from './random-resized-crop.js';
import { RandomRotation, randomRotationSchema } from './random-rotation.js';
import { RandomVerticalFlip, randomVerticalFlipSchema } from './random-vertical-flip.js';
import { Resize, resizeSchema } from './resize.js';
import { ToTensor, toTensorSchema } from './to-tensor.js';
import { TrivialAugmentWide, trivialAugmentWideSchema } from './trivial-augment-wide.js';

type Options = Record<string, unknown>;

// The constructors validate with the same schema, so `build` hands them the raw options.
const transforms: [z.ZodType, new (options: never) => Transform, string][] = [
  [randomResizedCropSchema, RandomResizedCrop, 'crop a random area and aspect ratio, then resize'],
  [resizeSchema, Resize, 'resize (shorter side or exact size)'],
  [centerCropSchema, CenterCrop, 'crop the centre'],
  [randomCropSchema, RandomCrop, 'pad, then crop at a random place'],
  [randomHorizontalFlipSchema, RandomHorizontalFlip, 'mirror left-right with probability p'],
  [randomVerticalFlipSchema, RandomVerticalFlip, 'mirror top-bottom with probability p'],
  [colorJitterSchema, ColorJitter, 'random brightness, contrast, saturation and hue'],
  [randomRotationSchema, RandomRotation, 'rotate by a random angle'],
  [randomAffineSchema, RandomAffine, 'random rotation, translation, scale and shear'],
  [gaussianBlurSchema, GaussianBlur, 'Gaussian blur with a random sigma'],
  [randomGrayscaleSchema, RandomGrayscale, 'grey with probability p'],
  [randAugmentSchema, RandAugment, 'RandAugment (Cubuk et al. 2019)'],
  [trivialAugmentWideSchema, TrivialAugmentWide, 'TrivialAugment (Müller and Hutter 2021)'],
  [autoAugmentSchema, AutoAugment, 'AutoAugment (Cubuk et al. 2019): ImageNet, CIFAR10 or SVHN policy'],
  [augMixSchema, AugMix, 'AugMix (Hendrycks et al. 2020): chains of random ops, mixed with the original'],
  [randomErasingSchema, RandomErasing, 'erase a random rectangle (on the normalized batch)'],
  [normalizeSchema, Normalize, 'subtract the mean and divide by the std (on the batch)'],
  [toTensorSchema, ToTensor, 'no-op: batches are always float tensors'],
];

for (const [schema, Class, description] of transforms) {
  const name = (Class as unknown as { name: string }).name;
  register({ group: 'transform', name, schema, description, build: (options: unknown) => new Class(options as never) });
}

// Torchvision's order first, then any registered later.
const builtIn = transforms.map(([, Class]) => (Class as unknown as { name: string }).name);
const names = (): string[] => [...builtIn, ...registry.list('transform').filter((n) => !builtIn.includes(n))];
const has = (name: string | symbol): name is string => typeof name === 'string' && registry.has('transform', name);

/**
 * The registry's transforms as a name → factory record (a live view: a
 * transform registered later appears here too). The factory hands the raw
 * options to the builder, whose constructor reports every issue.
 *
 * @example
 * transformRegistry.Resize({ size: 256 }); // a Resize
 */
export const transformRegistry: Record<string, (options: Options) => Transform> = new Proxy(
  {},
  {
    get: (_, name) => (has(name) ? (options: Options) => registry.get('transform', name).build(options) as Transform : undefined),
    has: (_, name) => has(name),
    ownKeys: () => names(),
    getOwnPropertyDescriptor: (_, name) =>
      has(name)
        ? {
            configurable: true,
            enumerable: true,
            writable: false,
            value: (options: Options) => registry.get('transform', name).build(options),
          }
        : undefined,
  },
);
