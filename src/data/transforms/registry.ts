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

// Options are validated by the constructor's zod schema, so any record may be passed in.
const make =
  <O>(Class: new (options: O) => Transform) =>
  (options: Options): Transform =>
    new Class(options as O);

/** Name → factory (options are validated by each transform's zod schema). */
export const transformRegistry: Record<string, (options: Options) => Transform> = {
  RandomResizedCrop: make(RandomResizedCrop),
  Resize: make(Resize),
  CenterCrop: make(CenterCrop),
  RandomCrop: make(RandomCrop),
  RandomHorizontalFlip: make(RandomHorizontalFlip),
  RandomVerticalFlip: make(RandomVerticalFlip),
  ColorJitter: make(ColorJitter),
  RandomRotation: make(RandomRotation),
  RandomAffine: make(RandomAffine),
  GaussianBlur: make(GaussianBlur),
  RandomGrayscale: make(RandomGrayscale),
  RandAugment: make(RandAugment),
  TrivialAugmentWide: make(TrivialAugmentWide),
  RandomErasing: make(RandomErasing),
  Normalize: make(Normalize),
  ToTensor: make(ToTensor),
};
