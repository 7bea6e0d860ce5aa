/**
 * The class names of known weights, so a model with its ImageNet head
 * untouched can name what it sees. Every torchvision classification weights
 * file we know is trained on ImageNet-1k, whose 1000 names (torchvision's
 * `_IMAGENET_CATEGORIES`, in its order) ship as `assets/imagenet-categories.json`.
 *
 * @example
 * categoriesOf('resnet50.imagenet1k_v2')[207]; // 'golden retriever'
 */
import { readFileSync } from 'node:fs';
import { pretrainedEntry } from '../pretrained-weights.js';

// The same relative path from src/models/weights/ and dist/models/weights/ to the package root.
const imagenetFile = new URL('../../../assets/imagenet-categories.json', import.meta.url);
let imagenet: readonly string[] | null = null;

/**
 * The class names of a known weights id, index by index (read once).
 *
 * @example
 * new ClassificationModule(backbone, { numClasses: 1000, classNames: [...categoriesOf(id)] });
 */
export function categoriesOf(id: string): readonly string[] {
  pretrainedEntry(id, 'categoriesOf');
  imagenet ??= Object.freeze(JSON.parse(readFileSync(imagenetFile, 'utf8')) as string[]);
  return imagenet;
}
