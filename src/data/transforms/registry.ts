/**
 * The transforms `buildTransforms` knows, by torchvision's class name.
 *
 * @example
 * transformRegistry.Resize({ size: 256 }); // a Resize
 */
import type { Transform } from './pipeline.js';
import { CenterCrop } from './center-crop.js';
import { ColorJitter } from './color-jitter.js';
import { GaussianBlur } from './gaussian-blur.js';
import { Normalize } from './normalize.js';
import { RandAugment } from './rand-augment.js';
import { RandomAffine } from './random-affine.js';
import { RandomCrop } from './random-crop.js';
import { RandomErasing } from './random-erasing.js';
import { RandomGrayscale } from './random-grayscale.js';
import { RandomHorizontalFlip } from './random-horizontal-flip.js';
import { RandomResizedCrop } from './random-resized-crop.js';
import { RandomRotation } from './random-rotation.js';
import { RandomVerticalFlip } from './random-vertical-flip.js';
import { Resize } from './resize.js';
import { ToTensor } from './to-tensor.js';
import { TrivialAugmentWide } from './trivial-augment-wide.js';

type Options = Record<string, unknown>;

/** Name → factory (options are validated by each transform's zod schema). */
export const transformRegistry: Record<string, (options: Options) => Transform> = {
  RandomResizedCrop: (o) => new RandomResizedCrop(o),
  Resize: (o) => new Resize(o),
  CenterCrop: (o) => new CenterCrop(o),
  RandomCrop: (o) => new RandomCrop(o),
  RandomHorizontalFlip: (o) => new RandomHorizontalFlip(o),
  RandomVerticalFlip: (o) => new RandomVerticalFlip(o),
  ColorJitter: (o) => new ColorJitter(o),
  RandomRotation: (o) => new RandomRotation(o),
  RandomAffine: (o) => new RandomAffine(o),
  GaussianBlur: (o) => new GaussianBlur(o),
  RandomGrayscale: (o) => new RandomGrayscale(o),
  RandAugment: (o) => new RandAugment(o),
  TrivialAugmentWide: (o) => new TrivialAugmentWide(o),
  RandomErasing: (o) => new RandomErasing(o),
  Normalize: (o) => new Normalize(o),
  ToTensor: (o) => new ToTensor(o),
};
