/**
 * The class names plots and reports show: the module's hyperparameters
 * first (they travel with checkpoints), then the data module's, else the
 * class indices.
 *
 * @example
 * const names = classNamesOf(module, trainer.dataModule); // ['cat', 'dog'] or ['0', '1']
 */
import type { TrainableModule } from '../trainable-module.js';
import type { ImageClassificationDataModule } from '../../data/datamodule.js';

/**
 * `numClasses` names for the module's classes.
 *
 * @example
 * classNamesOf(module, null);
 */
export function classNamesOf(module: TrainableModule, dataModule: ImageClassificationDataModule | null): string[] {
  const fromModule = module.classNames;
  const n = module.numClasses ?? fromModule?.length ?? 0;
  if (fromModule !== undefined && fromModule.length === n) return [...fromModule];
  try {
    const fromData = dataModule?.idxToClass;
    if (fromData !== undefined && fromData.length === n) return [...fromData];
  } catch {
    // The data module is not set up yet: fall through to the indices.
  }
  return Array.from({ length: n }, (_, i) => String(i));
}
