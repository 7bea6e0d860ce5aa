/**
 * `classifier-training predict <images or folders...> --model model.onnx`:
 * the top k classes of each image from an exported model, through the
 * export's `Predictor` (onnxruntime by default; the preprocessing comes from
 * the model's own metadata). One JSON line per image on stdout; unreadable
 * images are reported on stderr and skipped.
 *
 * @example
 * registerPredict(program); // classifier-training predict photos/ --model outputs/run/export/model.onnx --top-k 3
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';

/** Adds `predict` to the program. @example registerPredict(program); */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('class probabilities for images from an exported model (see `export`)')
    .argument('<images...>', 'image files or folders of images')
    .requiredOption('-m, --model <file>', 'the exported model (.onnx, as `classifier-training export` writes it)')
    .option('-k, --top-k <k>', 'classes per image', (v) => Number.parseInt(v, 10), 5)
    .option('--batch-size <n>', 'images per forward pass', (v) => Number.parseInt(v, 10), 32)
    .addHelpText(
      'after',
      '\nExamples:\n  classifier-training predict photos/ --model outputs/2026-11-26/17-40-00/export/model.onnx --top-k 3',
    )
    .action(async (inputs: string[], opts: { model: string; topK: number; batchSize: number }) => {
      if (!opts.model.endsWith('.onnx')) {
        throw new ConfigError(
          `predict: expected an .onnx model, but got '${opts.model}'; export a checkpoint first: classifier-training export <ckpt>`,
        );
      }
      const { walkImages } = await import('../../data/datasets/walk-images.js');
      const paths: string[] = [];
      for (const input of inputs) paths.push(...((await stat(input)).isDirectory() ? await walkImages(input) : [input]));
      const { Predictor } = await import('../../export/predictor.js');
      const predictor = await Predictor.open(opts.model, { topK: opts.topK, batchSize: opts.batchSize });
      try {
        const { predictions, failures } = await predictor.predict(paths);
        for (const p of predictions) console.log(JSON.stringify(p));
        for (const f of failures) console.error(`${f.path}: ${f.message}`);
        if (failures.length > 0) process.exitCode = 1;
      } finally {
        await predictor.close();
      }
    });
}
