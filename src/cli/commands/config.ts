/**
 * `classifier-training config show [overrides...]` prints the composed
 * config as YAML (resolved with `--resolve`); `config schema` writes the
 * JSON Schema of every config the registry can build, so editors validate
 * and complete the YAML.
 *
 * @example
 * registerConfig(program); // classifier-training config show model=resnet50 --resolve
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { configJsonSchema } from '../../config/index.js';
import { SerializationError, fsReason } from '../../errors.js';
import { composeRunConfig } from '../compose-run-config.js';
import { withConfigFlags } from './config-flags.js';
import type { ConfigFlags } from './config-flags.js';

/** Adds `config show` and `config schema` to the program. @example registerConfig(program); */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('show the composed config or write its JSON Schema');
  withConfigFlags(config.command('show'))
    .description('print the composed config as YAML')
    .argument('[overrides...]', 'config overrides, as for train')
    .option('--resolve', 'resolve ${...} interpolations')
    .option('--validate', "also check every component's options (loads the components)")
    .addHelpText(
      'after',
      '\nExamples:\n  classifier-training config show\n  classifier-training config show model=resnet50 trainer=local --resolve',
    )
    .action(async (overrides: string[], opts: ConfigFlags & { resolve?: boolean; validate?: boolean }) => {
      const run = composeRunConfig({ ...opts, overrides, resolve: opts.resolve === true || opts.validate === true });
      if (opts.validate === true) {
        const builder = await import('../run-builder.js');
        await builder.loadComponents(opts.plugin);
        builder.validateRunConfig(run.config, run.sources);
      }
      process.stdout.write(YAML.stringify(run.config));
    });
  config
    .command('schema')
    .description('write the JSON Schema of the config (every registered component)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option(
      '--plugin <module>',
      'a module that registers your own components (they appear in the schema); repeatable',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .addHelpText('after', '\nExamples:\n  classifier-training config schema --out config.schema.json')
    .action(async (opts: { out?: string; plugin?: string[] }) => {
      const builder = await import('../run-builder.js');
      await builder.loadComponents(opts.plugin);
      const { runConfigSchema } = await import('../run-plan.js');
      const text = `${JSON.stringify(configJsonSchema(runConfigSchema(), { title: 'classifier-training config' }), null, 2)}\n`;
      if (opts.out === undefined) process.stdout.write(text);
      else {
        writeSchema(opts.out, text);
        console.error(`wrote ${opts.out}`);
      }
    });
}

/** Writes `text` to `file` through a temporary file beside it, so a failed write leaves neither a partial schema nor the temporary. */
function writeSchema(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    removeQuietly(temporary);
    throw new SerializationError(`config schema: expected to write ${file}, but got ${fsReason(error)}`, { cause: error });
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Nothing was created where the folder itself is missing or a file: the first error is the one to report.
  }
}
