/**
 * The transform recipes `npm run bench:data -- --recipe <name>` times, as
 * this project's transform entries; bench/data_torchvision.py builds the same
 * recipe by name with torchvision's classes (PIL images, torchvision's
 * defaults where a recipe names none). Every train recipe starts with
 * RandomResizedCrop 224 + horizontal flip and ends with Normalize; `eval` is
 * the validation recipe (Resize 256, CenterCrop 224, Normalize, in order).
 *
 * @example
 * RECIPES.trivialaugment.transforms; // [RandomResizedCrop, RandomHorizontalFlip, TrivialAugmentWide, Normalize]
 */

/** The recipe names, in the order `--recipe all` runs them. */
export const RECIPE_NAMES = ['basic', 'hue', 'trivialaugment', 'randaugment', 'autoaugment', 'augmix', 'erasing', 'eval'] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

/** One recipe: its transform entries, whether batches are shuffled, and a one-line description. */
export interface Recipe {
  transforms: readonly unknown[];
  shuffle: boolean;
  /** The data module runs train pipelines in worker threads when 'auto' says so, eval pipelines never. */
  stage: 'train' | 'eval';
  description: string;
}

const crop = [{ name: 'RandomResizedCrop', size: 224 }, { name: 'RandomHorizontalFlip' }];
const normalize = { name: 'Normalize' };
const train = (middle: unknown[], description: string, tail: unknown[] = []): Recipe => ({
  transforms: [...crop, ...middle, normalize, ...tail],
  shuffle: true,
  stage: 'train',
  description: `RandomResizedCrop 224 → flip → ${description}`,
});

/** Every recipe by name. */
export const RECIPES: Record<RecipeName, Recipe> = {
  basic: train([{ name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 }], 'ColorJitter(0.4, 0.4, 0.4) → normalize'),
  hue: train(
    [{ name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }],
    'ColorJitter(0.4, 0.4, 0.4, hue 0.1) → normalize',
  ),
  trivialaugment: train([{ name: 'TrivialAugmentWide' }], 'TrivialAugmentWide → normalize'),
  randaugment: train([{ name: 'RandAugment', numOps: 2, magnitude: 9 }], 'RandAugment(2, 9) → normalize'),
  autoaugment: train([{ name: 'AutoAugment' }], 'AutoAugment (ImageNet policy) → normalize'),
  augmix: train([{ name: 'AugMix' }], 'AugMix (severity 3, width 3, depth 1-3, bilinear) → normalize'),
  erasing: train([], 'normalize → RandomErasing(p 0.5)', [{ name: 'RandomErasing', p: 0.5 }]),
  eval: {
    transforms: [{ name: 'Resize', size: 256 }, { name: 'CenterCrop', size: 224 }, normalize],
    shuffle: false,
    stage: 'eval',
    description: 'Resize 256 → CenterCrop 224 → normalize (in order)',
  },
};
