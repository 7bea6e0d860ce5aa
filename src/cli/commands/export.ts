/**
 * `classifier-training export <ckpt>`: a checkpoint to ONNX (with its class
 * names and preprocessing inside, checked against the module under
 * onnxruntime) or to torchvision-named safetensors, through
 * `exportCheckpoint`. The default output is `<run>/export/model.onnx`.
 *
 * @example
 * registerExport(program); // classifier-training export outputs/2026-11-26/17-40-00/checkpoints/best.ckpt
 */
import path from 'node:path';
import type { Command } from 'commander';

/** Adds `export` to the program. @example registerExport(program); */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a checkpoint to ONNX (default) or torchvision-named safetensors')
    .argument('<ckpt>', 'a checkpoint file, or last / best with --checkpoint-dir')
    .option('-o, --out <file>', 'the file to write (default <run>/export/model.onnx)')
    .option('--format <format>', 'onnx or safetensors', 'onnx')
    .option('--fold-bn', 'fold BatchNorm into the convolutions (ONNX)')
    .option('--ignore-ema', 'export the trained weights even when the run kept EMA weights')
    .option('--checkpoint-dir <dir>', 'where last / best are looked up')
    .addHelpText(
      'after',
      '\nExamples:\n  classifier-training export outputs/2026-11-26/17-40-00/checkpoints/best.ckpt\n  classifier-training export best --checkpoint-dir outputs/r1/checkpoints --format safetensors -o r1.safetensors',
    )
    .action(
      async (
        ckpt: string,
        opts: { out?: string; format: 'onnx' | 'safetensors'; foldBn?: boolean; ignoreEma?: boolean; checkpointDir?: string },
      ) => {
        const base = opts.checkpointDir ?? path.dirname(path.resolve(ckpt));
        const out = opts.out ?? path.join(path.dirname(base), 'export', opts.format === 'onnx' ? 'model.onnx' : 'model.safetensors');
        const { exportCheckpoint } = await import('../../training/export-checkpoint.js');
        const result = await exportCheckpoint(ckpt, {
          out,
          format: opts.format,
          foldBatchNorm: opts.foldBn === true,
          ignoreEma: opts.ignoreEma === true,
          ...(opts.checkpointDir === undefined ? {} : { checkpointDir: opts.checkpointDir }),
          warn: (m) => console.error(m),
        });
        console.log(
          JSON.stringify({ checkpoint: result.checkpoint, out, usedEma: result.usedEma, parity: result.onnx?.parity ?? null }, null, 2),
        );
      },
    );
}
