/**
 * Writes the `data=fmnist_multilabel` mosaics as files: PNGs and CSV
 * manifests (`path,labels`), for training from files or for other tools.
 *
 *   node --import tsx scripts/fmnist-mosaics.ts <out> [--limit N] [--idx-dir DIR]
 *   classifier-training train data=csv data.root=<out> task=multilabel
 *
 * @example
 * node --import tsx scripts/fmnist-mosaics.ts data/fmnist-mosaics --limit 1000
 */
import { parseArgs } from 'node:util';
import { FASHION_MNIST_DIR } from '../src/data/datasets/idx-dataset.js';
import { writeMosaicFiles } from '../src/data/datasets/mosaic-files.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: 'string' }, 'idx-dir': { type: 'string', default: FASHION_MNIST_DIR } },
});
const limit = values.limit === undefined ? undefined : Number(values.limit);
if (positionals.length !== 1 || (limit !== undefined && !(Number.isInteger(limit) && limit > 0))) {
  console.error('usage: node --import tsx scripts/fmnist-mosaics.ts <out> [--limit N] [--idx-dir DIR]');
  process.exit(2);
}
const started = performance.now();
await writeMosaicFiles({ dir: values['idx-dir'], out: positionals[0], limit, onProgress: (m) => console.log(m) });
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
