/**
 * The classes a split has no sample of. With a validation fraction, a class of
 * one image keeps it for training and has nothing to validate on; its
 * per-class accuracy would read 0, as if the model never recognised it. The
 * data module warns, and the per-class figures leave such classes out.
 *
 * @example
 * warnClassesWithoutSamples(dm.val, { split: 'val', all: fullTrain, onWarning: log.warn });
 */
import { classCounts } from '../class-stats.js';
import type { ImageDataset } from '../dataset.js';

type Labelled = Pick<ImageDataset, 'classes' | 'targets' | 'labelSets'>;

/**
 * Warns once, naming every class (up to 10) of `all` that `split` has no sample of.
 *
 * @example
 * warnClassesWithoutSamples(val, { split: 'val', all: train, onWarning: console.warn });
 * // "data: the val split has no image of class 'solo' (1 image(s) in the train data): it is left out of the per-class val figures"
 */
export function warnClassesWithoutSamples(
  split: Labelled,
  options: { split: string; all: Labelled; onWarning: (message: string) => void },
): void {
  const inSplit = classCounts(split);
  const inAll = classCounts(options.all);
  const missing = split.classes.flatMap((name, i) => (inSplit[i] === 0 ? [`'${name}' (${inAll[i] ?? 0} image(s) in the train data)`] : []));
  if (missing.length === 0) return;
  const shown = missing.length > 10 ? [...missing.slice(0, 10), `and ${missing.length - 10} more`] : missing;
  const what = missing.length === 1 ? 'class' : `${missing.length} classes`;
  options.onWarning(
    `data: the ${options.split} split has no image of ${what} ${shown.join(', ')}: ${missing.length === 1 ? 'it is' : 'they are'} left out of the per-class ${options.split} figures`,
  );
}
