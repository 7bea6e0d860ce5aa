/**
 * Data: datasets (image folder, JSONL annotations, CSV manifests, IDX and
 * their multi-label mosaics), sharp decoding,
 * torchvision-equivalent transforms, samplers, the deterministic parallel
 * loader and the data module.
 *
 * @example
 * import { data } from 'classifier-training';
 * const dm = new data.ImageClassificationDataModule({ root: 'data/pets', batchSize: 32 });
 * await dm.setup('fit');
 *
 * @module
 */
import './data-formats.js';
export { ImageClassificationDataModule, detectFormat } from './datamodule.js';
export { dataFormatSchema } from './data-formats.js';
export type { Stage } from './datamodule.js';
export {
  parseDataModuleOptions,
  defaultTransforms,
  dataModuleSchema,
  FASHION_MNIST_NORMALIZE,
  FMNIST_MOSAIC_NORMALIZE,
} from './datamodule-options.js';
export type { DataModuleInput, DataModuleOptions } from './datamodule-options.js';
export { DataLoader } from './data-loader.js';
export type { Batch, BadFilePolicy, DataLoaderOptions } from './data-loader.js';
export { Subset, PathListDataset, classToIdxOf, firstLabels } from './dataset.js';
export type { ImageDataset, ImageSource, LabelSets } from './dataset.js';
export { multiHot } from './multi-hot.js';
export { ImageFolder } from './datasets/image-folder.js';
export { JsonlDataset } from './datasets/jsonl-dataset.js';
export { CsvDataset } from './datasets/csv-dataset.js';
export { MosaicDataset, mosaicCells, MOSAIC_SEED } from './datasets/mosaic-dataset.js';
export { IdxDataset, parseIdx, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './datasets/idx-dataset.js';
export { RandomSampler } from './samplers/random-sampler.js';
export { SequentialSampler } from './samplers/sampler.js';
export type { Sampler } from './samplers/sampler.js';
export { WeightedRandomSampler, inverseFrequencyWeights, rareLabelWeights } from './samplers/weighted-random-sampler.js';
export { stratifiedSplit } from './stratified-split.js';
export { dataCheck } from './data-check.js';
export type { DataCheckOptions, DataCheckReport } from './data-check.js';
export { inspectFiles } from './inspect-files.js';
export type { FileInspection, InspectFilesOptions, SplitFile } from './inspect-files.js';
export { classCounts, classWeights, countsBySplit, imageSizeHistogram, positiveWeights } from './class-stats.js';
export { labelsMapping, writeLabelsMapping, LABELS_MAPPING_FILE } from './labels-mapping.js';
export type { LabelsMapping, LabelsMappingOptions } from './labels-mapping.js';
export { decodeImage } from './decode.js';
export type { DecodeOptions } from './decode.js';
export type { RawImage } from './image.js';
export { ImagePipeline, buildTransforms } from './transforms/pipeline.js';
export type { Transform } from './transforms/pipeline.js';
export { MixUp } from './transforms/mixup.js';
export { CutMix } from './transforms/cutmix.js';
export { Rng } from './random.js';
