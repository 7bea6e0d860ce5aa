/**
 * `classifier-training tune lr [overrides...]`: Lightning's `lr_find` from
 * the command line. It composes the same config as `train` (overrides,
 * `--config-dir`, `--config-name`, `--plugin`), sweeps the learning rate
 * over training steps of that model, data, optimizer and Trainer options
 * (see training/tuning/lr-find.ts), writes `lr_find.json` (the curve) and
 * `lr_find.png` (the plot) into the run dir (`run.dir`, as `train` would
 * name it), prints the suggestion as an override line on stdout
 * (`optimizer.lr=0.00316`) and the rest on stderr. No suggestion (a loss
 * that never falls) exits 1, with the curve written to look at.
 *
 * @example
 * registerTune(program); // classifier-training tune lr model=resnet50 data=image_folder data.root=photos
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { withConfigFlags } from './config-flags.js';
import type { TuneLrOptions } from './tune-lr-run.js';

function number(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number for ${flag}, but got '${value}'`);
    return n;
  };
}

/** Adds `tune` and its `lr` subcommand to the program. @example registerTune(program); */
export function registerTune(program: Command): void {
  const tune = program.command('tune').description('tune hyperparameters before training (lr: the LR finder)');
  withConfigFlags(tune.command('lr'))
    .description('sweep the learning rate exponentially over training steps and suggest one (Lightning lr_find, fastai lr_find)')
    .argument('[overrides...]', 'config overrides, as for train: model=resnet50 data.batchSize=64 ...')
    .option('--min-lr <lr>', 'the first learning rate (default 1e-8)', number('--min-lr'))
    .option('--max-lr <lr>', 'the last learning rate (default 1)', number('--max-lr'))
    .option('--num-steps <n>', 'optimizer steps of the sweep (default 100)', number('--num-steps'))
    .option('--smoothing <beta>', "the loss's exponential average factor (default 0.98)", number('--smoothing'))
    .option(
      '--diverge-threshold <x>',
      "stop once the smoothed loss passes x times its best (default 4; 'none': sweep to the end)",
      // Commander turns a parser's null into '', so 'none' stays a word until runTuneLr.
      (v: string) => (v === 'none' ? v : number('--diverge-threshold')(v)),
    )
    .addHelpText(
      'after',
      `
Writes lr_find.json and lr_find.png into run.dir and prints the suggestion as
an override line (stdout), ready for train:
  classifier-training tune lr data=image_folder data.root=photos
  classifier-training train data=image_folder data.root=photos $(classifier-training tune lr data=image_folder data.root=photos)
  classifier-training tune lr model=resnet50 --max-lr 10 --num-steps 200 run.dir=lr-find
Or let train run the finder first: classifier-training train optimizer.lr=auto`,
    )
    .action(async (overrides: string[], flags: TuneLrOptions) => {
      const { runTuneLr } = await import('./tune-lr-run.js');
      await runTuneLr(overrides, flags);
    });
}
