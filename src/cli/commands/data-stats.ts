/**
 * `classifier-training data stats [overrides...]`: class counts per split
 * and (with `--sizes`) a histogram of image sizes, for the data set the
 * composed config names (`data=image_folder data.root=...`).
 *
 * @example
 * registerDataStats(program); // classifier-training data stats data=image_folder data.root=data/pets --sizes
 */
import type { Command } from 'commander';
import { composeRunConfig } from '../compose-run-config.js';
import { withConfigFlags } from './config-flags.js';
import type { ConfigFlags } from './config-flags.js';

/** Adds `data stats` under the `data` command (created if absent). @example registerDataStats(program); */
export function registerDataStats(program: Command): void {
  const data = program.commands.find((c) => c.name() === 'data') ?? program.command('data').description('inspect data sets');
  withConfigFlags(data.command('stats'))
    .description('class counts per split and image sizes of the configured data set')
    .argument('[overrides...]', 'config overrides, e.g. data=image_folder data.root=data/pets')
    .option('--sizes', 'also read every train image header for a histogram of sizes')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  classifier-training data stats\n  classifier-training data stats data=image_folder data.root=data/pets --sizes',
    )
    .action(async (overrides: string[], opts: ConfigFlags & { sizes?: boolean; json?: boolean }) => {
      const run = composeRunConfig({ ...opts, overrides });
      const builder = await import('../run-builder.js');
      await builder.loadComponents(opts.plugin);
      const { countsBySplit, imageSizeHistogram } = await import('../../data/index.js');
      const dm = builder.buildDataModule(builder.validateRunConfig(run.config, run.sources));
      await dm.setup('fit');
      await dm.setup('test').catch(() => undefined);
      const splits = Object.fromEntries((['train', 'val', 'test'] as const).flatMap((s) => (dm[s] === null ? [] : [[s, dm[s]]])));
      const counts = countsBySplit(splits);
      const sizes = opts.sizes === true && dm.train !== null ? Object.fromEntries(await imageSizeHistogram(dm.train)) : undefined;
      if (opts.json === true) {
        console.log(JSON.stringify({ counts, ...(sizes === undefined ? {} : { sizes }) }, null, 2));
        return;
      }
      const classes = [...dm.idxToClass];
      const names = Object.keys(counts);
      const width = Math.max(5, ...classes.map((c) => c.length));
      console.log(['class'.padEnd(width), ...names.map((n) => n.padStart(8))].join(' '));
      for (const c of classes) console.log([c.padEnd(width), ...names.map((n) => String(counts[n][c] ?? 0).padStart(8))].join(' '));
      if (sizes !== undefined) for (const [size, n] of Object.entries(sizes)) console.log(`${size}: ${n}`);
    });
}
