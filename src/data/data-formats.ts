/**
 * Registers the data formats in the component registry (group
 * 'data_format'): 'folder' (an ImageFolder tree), 'jsonl' (annotation
 * lines), 'idx' (Fashion-MNIST's IDX files) and 'auto' (detected from the
 * root). Each builds an `ImageClassificationDataModule` reading that format;
 * its schema is the data module's options without `format`, which the name
 * chooses.
 *
 * @example
 * const dm = registry.build<ImageClassificationDataModule>('data_format', 'folder', { root: 'data/pets', batchSize: 32 });
 */
import type { z } from 'zod';
import { register, registry } from '../registry.js';
import { ImageClassificationDataModule } from './datamodule.js';
import { dataConfigKeys, dataModuleSchema } from './datamodule-options.js';

/** The data module's options a data format takes (all but `format`). @example dataFormatSchema.parse({ root: 'data' }); */
export const dataFormatSchema = dataModuleSchema.omit({ format: true });

const formats = {
  auto: 'detect the format from the root (IDX files, JSONL annotations or class folders)',
  folder: 'ImageFolder: <root>/<split>/<class>/<image>',
  jsonl: 'JSONL annotation lines (path, label or labels) per split',
  csv: 'CSV manifests train.csv, val.csv, test.csv: path,label or path,labels',
  idx: "IDX files (MNIST / Fashion-MNIST); root 'fashion-mnist' is Debian's package",
  mosaic: 'multi-label 2x2 mosaics of IDX images (data=fmnist_multilabel)',
} as const;

registry.defineGroup('data_format', { keys: dataConfigKeys, selector: 'format' });

for (const [format, description] of Object.entries(formats)) {
  register({
    group: 'data_format',
    name: format,
    schema: dataFormatSchema,
    description,
    runtime: ['multiLabel'],
    // The registry has checked the options: the data module takes them as they are.
    build: (options: z.output<typeof dataFormatSchema>) =>
      new ImageClassificationDataModule(registry.resolved({ ...options, format: format as keyof typeof formats })),
  });
}
